"""The normalised profession catalogue, shared as a contract.

Identity validates profiles against it, events tags events with it, matching reasons about
adjacent professions with its families. A slug never changes meaning; new ones may be added.
"""

from __future__ import annotations

from types import MappingProxyType

# slug -> (label, family)
_ENTRIES: dict[str, tuple[str, str]] = {
    "software-engineer": ("Software engineer", "tech"),
    "frontend-developer": ("Frontend developer", "tech"),
    "backend-developer": ("Backend developer", "tech"),
    "mobile-developer": ("Mobile developer", "tech"),
    "data-scientist": ("Data scientist", "data"),
    "data-engineer": ("Data engineer", "data"),
    "data-analyst": ("Data analyst", "data"),
    "ml-engineer": ("Machine learning engineer", "data"),
    "devops-engineer": ("DevOps engineer", "tech"),
    "security-engineer": ("Security engineer", "tech"),
    "qa-engineer": ("QA engineer", "tech"),
    "product-manager": ("Product manager", "product"),
    "project-manager": ("Project manager", "product"),
    "ux-designer": ("UX designer", "design"),
    "ui-designer": ("UI designer", "design"),
    "graphic-designer": ("Graphic designer", "design"),
    "illustrator": ("Illustrator", "design"),
    "architect": ("Architect", "design"),
    "interior-designer": ("Interior designer", "design"),
    "photographer": ("Photographer", "media"),
    "videographer": ("Videographer", "media"),
    "journalist": ("Journalist", "media"),
    "copywriter": ("Copywriter", "media"),
    "content-writer": ("Content writer", "media"),
    "editor": ("Editor", "media"),
    "translator": ("Translator", "media"),
    "marketing-manager": ("Marketing manager", "business"),
    "social-media-manager": ("Social media manager", "business"),
    "sales-representative": ("Sales representative", "business"),
    "account-manager": ("Account manager", "business"),
    "recruiter": ("Recruiter", "people"),
    "hr-manager": ("HR manager", "people"),
    "career-coach": ("Career coach", "people"),
    "accountant": ("Accountant", "finance"),
    "financial-analyst": ("Financial analyst", "finance"),
    "consultant": ("Consultant", "business"),
    "entrepreneur": ("Entrepreneur", "business"),
    "lawyer": ("Lawyer", "law"),
    "paralegal": ("Paralegal", "law"),
    "teacher": ("Teacher", "education"),
    "university-lecturer": ("University lecturer", "education"),
    "researcher": ("Researcher", "education"),
    "nurse": ("Nurse", "health"),
    "physician": ("Physician", "health"),
    "pharmacist": ("Pharmacist", "health"),
    "psychologist": ("Psychologist", "health"),
    "physiotherapist": ("Physiotherapist", "health"),
    "chef": ("Chef", "hospitality"),
    "event-manager": ("Event manager", "hospitality"),
    "civil-engineer": ("Civil engineer", "engineering"),
    "mechanical-engineer": ("Mechanical engineer", "engineering"),
    "electrical-engineer": ("Electrical engineer", "engineering"),
    "social-worker": ("Social worker", "people"),
}

PROFESSIONS = MappingProxyType({slug: label for slug, (label, _) in _ENTRIES.items()})
FAMILIES = MappingProxyType({slug: family for slug, (_, family) in _ENTRIES.items()})


def is_profession(slug: str) -> bool:
    return slug in _ENTRIES
