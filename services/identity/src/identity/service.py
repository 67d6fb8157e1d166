"""Identity's use cases: load, decide with `domain`, save with the outbox, answer.

Every state change that others must hear about goes through `Outbox.unit`, so the change and its
event cannot part ways even if the process dies in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.identity import (
    TOPIC,
    EndorsementAdded,
    MilestoneKind,
    MilestoneRecorded,
    ProfileSnapshot,
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
    UserRegistered,
    UserUnblocked,
)
from jobfriends_shared.errors import Conflict, Invalid, NotFound, Unauthorized
from jobfriends_shared.outbox import Outbox

from identity import domain
from identity.domain import Relation, SignInPolicy
from identity.repository import BLOCKS, ENDORSEMENTS, MILESTONES, USERS, IdentityRepository
from identity.security import Passwords, SigningKey, new_refresh_token, token_hash
from identity.settings import IdentitySettings


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: str


class IdentityService:
    def __init__(
        self,
        repo: IdentityRepository,
        outbox: Outbox,
        clock: Clock,
        settings: IdentitySettings,
    ) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock
        self.settings = settings
        self.passwords = Passwords(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )
        self.sign_in_policy = SignInPolicy(
            settings.sign_in_failures_allowed, timedelta(seconds=settings.sign_in_window_seconds)
        )
        self._key: SigningKey | None = None

    # --- keys -------------------------------------------------------------------------------

    async def load_signing_key(self) -> None:
        pem = self.settings.signing_key_pem or await self.repo.signing_key_pem(
            lambda: SigningKey.generate().pem(), self.clock.now()
        )
        self._key = SigningKey.from_pem(pem)

    @property
    def key(self) -> SigningKey:
        if self._key is None:
            raise RuntimeError("signing key not loaded")
        return self._key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.jwk()]}

    # --- helpers ------------------------------------------------------------------------------

    def _event(self, payload: Payload) -> Any:
        return build_event(
            payload,
            producer="identity",
            occurred_at=self.clock.now(),
        )

    async def _existing(self, user_id: str) -> dict[str, Any]:
        user = await self.repo.user(user_id)
        if user is None:
            raise NotFound("no such person", code="user_not_found")
        return user

    async def _visible_to(self, viewer_id: str, user_id: str) -> dict[str, Any]:
        """A person as seen by another: blocked either way means they do not exist."""
        user = await self._existing(user_id)
        if viewer_id != user_id and await self.repo.blocked_either_way(viewer_id, user_id):
            raise NotFound("no such person", code="user_not_found")
        return user

    # --- accounts -----------------------------------------------------------------------------

    async def register(self, email: str, password: str, display_name: str) -> dict[str, Any]:
        email = domain.normalise_email(email)
        domain.check_password(password, email)
        name = domain.clean_profile_changes({"display_name": display_name})["display_name"]
        user_id = uuid.uuid4().hex
        now = self.clock.now()
        owner = await self.repo.claim_email(email, user_id, now)
        if owner is not None and (
            await self.repo.user(owner) is not None or not await self._reclaim(email, owner)
        ):
            raise Conflict("an account with this email exists", code="email_taken")
        password_hash = await self.passwords.hash(password)
        event = self._event(UserRegistered(user_id=user_id, email=email, display_name=name))
        doc = {
            "_id": user_id,
            "email": email,
            "password_hash": password_hash,
            "display_name": name,
            "visibility": dict(domain.DEFAULT_VISIBILITY),
            "created_at": now,
            "updated_at": now,
        }
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=USERS, aggregate_id=user_id
        ) as u:
            await self.repo.insert_user(doc, u)
        return await self._existing(user_id)

    async def _reclaim(self, email: str, owner: str) -> bool:
        """An email claimed by a registration that died before creating the account is free
        again once the claim is a minute old."""
        claim = await self.repo.emails.find_one({"_id": email})
        if claim is None or self.clock.now() - claim["claimed_at"] < timedelta(minutes=1):
            return False
        await self.repo.release_email(email, owner)
        return await self.repo.claim_email(email, owner, self.clock.now()) is None

    async def sign_in(self, email: str, password: str, ip: str | None) -> Tokens:
        try:
            email = domain.normalise_email(email)
        except Invalid:
            raise Unauthorized("wrong email or password", code="bad_credentials") from None
        now = self.clock.now()
        self.sign_in_policy.check(
            await self.repo.failures_since(email, now - self.sign_in_policy.window), now
        )
        user = await self.repo.user_by_email(email)
        if not await self.passwords.verify(user["password_hash"] if user else None, password):
            await self.repo.record_failure(email, ip, now)
            raise Unauthorized("wrong email or password", code="bad_credentials")
        assert user is not None
        return await self._issue(str(user["_id"]), family=uuid.uuid4().hex)

    async def forget_old_failures(self) -> None:
        """Failed sign-ins only matter inside the throttling window (no TTL index here)."""
        await self.repo.purge_failures(self.clock.now() - self.sign_in_policy.window)

    async def _issue(self, user_id: str, family: str) -> Tokens:
        now = self.clock.now()
        ttl = timedelta(seconds=self.settings.access_token_ttl_seconds)
        refresh = new_refresh_token()
        await self.repo.store_refresh(
            token_hash(refresh),
            {
                "user_id": user_id,
                "family": family,
                "issued_at": now,
                "expires_at": now + timedelta(days=self.settings.refresh_token_ttl_days),
            },
        )
        return Tokens(
            access_token=self.key.access_token(user_id, now, ttl),
            refresh_token=refresh,
            expires_in=int(ttl.total_seconds()),
            user_id=user_id,
        )

    async def refresh(self, refresh_token: str) -> Tokens:
        """Rotate: each refresh token works once; presenting a spent one revokes its family,
        since either the client or a thief is replaying it."""
        hashed = token_hash(refresh_token)
        stored = await self.repo.refresh_token(hashed)
        now = self.clock.now()
        if stored is None or stored["expires_at"] <= now:
            raise Unauthorized("refresh token is not valid", code="invalid_refresh_token")
        family = str(stored["family"])
        if await self.repo.family_revoked(family):
            raise Unauthorized("refresh token was revoked", code="invalid_refresh_token")
        if not await self.repo.use_refresh(hashed, now):
            await self.repo.revoke_family(family, now, "reuse")
            raise Unauthorized("refresh token was already used", code="refresh_token_reused")
        if await self.repo.user(str(stored["user_id"])) is None:
            raise Unauthorized("account no longer exists", code="invalid_refresh_token")
        return await self._issue(str(stored["user_id"]), family)

    async def sign_out(self, refresh_token: str) -> None:
        stored = await self.repo.refresh_token(token_hash(refresh_token))
        if stored is not None:
            await self.repo.revoke_family(str(stored["family"]), self.clock.now(), "sign_out")

    async def delete_account(self, user_id: str) -> None:
        await self._existing(user_id)
        event = self._event(UserDeleted(user_id=user_id))
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=USERS, aggregate_id=user_id
        ) as u:
            await self.repo.tombstone_user(user_id, self.clock.now(), u)
        await self.repo.erase_traces(user_id)

    # --- profiles -----------------------------------------------------------------------------

    async def me(self, user_id: str) -> dict[str, Any]:
        return await self._existing(user_id)

    async def update_profile(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        before = await self._existing(user_id)
        cleaned = domain.clean_profile_changes(changes)
        if "visibility" in cleaned:
            cleaned["visibility"] = {**before.get("visibility", {}), **cleaned["visibility"]}
        after = {**before, **cleaned}
        changed = domain.changed_fields(before, after)
        if not changed:
            return before
        snapshot = ProfileSnapshot.model_validate(
            {f: after.get(f) for f in ProfileSnapshot.model_fields if after.get(f) is not None}
        )
        event = self._event(
            ProfileUpdated(user_id=user_id, changed=tuple(changed), profile=snapshot)
        )
        fields = {**cleaned, "updated_at": self.clock.now()}
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=USERS, aggregate_id=user_id
        ) as u:
            await self.repo.update_user(user_id, fields, u)
        return await self._existing(user_id)

    async def view(self, viewer_id: str, user_id: str) -> dict[str, Any]:
        user = await self._visible_to(viewer_id, user_id)
        if viewer_id == user_id:
            relation = Relation.self
        elif await self.repo.connected(viewer_id, user_id):
            relation = Relation.connection
        else:
            relation = Relation.other
        return {"id": user_id, **domain.visible_profile(user, relation), "relation": relation}

    # --- endorsements ---------------------------------------------------------------------------

    async def endorse(self, endorser_id: str, user_id: str, skill: str) -> dict[str, int]:
        user = await self._visible_to(endorser_id, user_id)
        tag = domain.check_endorsement(endorser_id, user_id, skill, user.get("skills") or [])
        event = self._event(EndorsementAdded(user_id=user_id, endorser_id=endorser_id, skill=tag))
        doc_id = f"{user_id}|{tag}|{endorser_id}"
        doc = {
            "_id": doc_id,
            "user_id": user_id,
            "skill": tag,
            "endorser_id": endorser_id,
            "at": self.clock.now(),
        }
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=ENDORSEMENTS, aggregate_id=doc_id
        ) as u:
            if not await self.repo.add_endorsement(doc, u):
                raise Conflict("you already endorsed this skill", code="already_endorsed")
        return await self.repo.endorsement_counts(user_id)

    async def endorsements(self, viewer_id: str, user_id: str) -> dict[str, int]:
        await self._visible_to(viewer_id, user_id)
        return await self.repo.endorsement_counts(user_id)

    async def endorsers(
        self, viewer_id: str, user_id: str, skill: str, after: str | None, limit: int
    ) -> list[str]:
        await self._visible_to(viewer_id, user_id)
        rows = await self.repo.endorsers(user_id, domain.normalise_tag(skill), after, limit)
        return [str(r["endorser_id"]) for r in rows]

    # --- blocks -------------------------------------------------------------------------------

    async def set_block(self, blocker_id: str, blocked_id: str, active: bool) -> None:
        domain.check_block(blocker_id, blocked_id)
        if active:
            await self._existing(blocked_id)
        if await self.repo.blocked(blocker_id, blocked_id) == active:
            return  # already so: nothing changes, nobody needs to hear it again
        payload_type = UserBlocked if active else UserUnblocked
        event = self._event(payload_type(blocker_id=blocker_id, blocked_id=blocked_id))
        doc_id = f"{blocker_id}|{blocked_id}"
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=BLOCKS, aggregate_id=doc_id
        ) as u:
            await self.repo.set_block(blocker_id, blocked_id, active, self.clock.now(), u)

    # --- milestones ---------------------------------------------------------------------------

    async def record_milestone(
        self,
        user_id: str,
        kind: MilestoneKind,
        title: str,
        organisation: str | None,
        on: date,
        announce: bool,
    ) -> dict[str, Any]:
        await self._existing(user_id)
        title = domain.clean_text(title, "title", 160)
        if not title:
            raise Invalid("title: must not be empty", code="invalid_text")
        organisation = (
            domain.clean_text(organisation, "organisation", 160) if organisation else None
        )
        milestone_id = uuid.uuid4().hex
        payload = MilestoneRecorded(
            user_id=user_id,
            milestone_id=milestone_id,
            kind=kind,
            title=title,
            organisation=organisation,
            on=on,
            announce=announce,
        )
        doc = {
            "_id": milestone_id,
            **payload.model_dump(mode="json", exclude={"milestone_id"}),
            "recorded_at": self.clock.now(),
        }
        event = self._event(payload)
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=MILESTONES, aggregate_id=milestone_id
        ) as u:
            await self.repo.insert_milestone(doc, u)
        return {"id": milestone_id, **payload.model_dump(mode="json", exclude={"milestone_id"})}

    async def milestones(self, viewer_id: str, user_id: str) -> Sequence[dict[str, Any]]:
        await self._visible_to(viewer_id, user_id)
        return await self.repo.milestones_of(user_id)

    # --- reactions to other services' events ----------------------------------------------

    async def connection_changed(self, a: str, b: str, connected: bool) -> None:
        if connected:
            await self.repo.connect(a, b)
        else:
            await self.repo.disconnect(a, b)

    async def erase(self, user_id: str) -> None:
        await self.repo.erase_traces(user_id)
