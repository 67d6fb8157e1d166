"""The feed's rules as plain Python: what a post may say, who may see it, how a home timeline
is ordered, what a group allows. No I/O and no framework, so unit tests need no servers."""
