"""/resources: support groups, counselling, social workers and the national MS organisations,
read from a TOML file the deployer can edit (RESOURCES_FILE; the shipped bot/data/resources.toml
otherwise). The file is checked at start-up, so a mistake in it is one clear line then and
never a broken message later.

The file's shape:

    title = "Support and information"           # optional
    intro = "…"                                 # optional
    not_medical_advice = "…"                    # required: shown at the end of every list

    [[sections]]
    title = "National MS organisations"

    [[sections.entries]]
    name = "MS Society (UK)"
    url = "https://www.mssociety.org.uk"        # optional, http(s) only
    about = "Information, local groups, a helpline."   # optional
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SHIPPED_RESOURCES = Path(__file__).parent / "data" / "resources.toml"
DEFAULT_TITLE = "Support and information"

MAX_TITLE = 100
MAX_INTRO = 500
MAX_DISCLAIMER = 500
MAX_NAME = 120
MAX_URL = 300
MAX_ABOUT = 500
MAX_SECTIONS = 20
MAX_ENTRIES = 40

# http(s) only, and nothing that could break out of an HTML attribute.
_URL = re.compile(r"https?://[^\s\"'<>]+\.[^\s\"'<>]+")


class ResourcesError(ValueError):
    """The resources file cannot be used; the message says where and what to fix."""


@dataclass(frozen=True)
class Resource:
    name: str
    url: str | None = None
    about: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    entries: tuple[Resource, ...]


@dataclass(frozen=True)
class Resources:
    title: str
    intro: str | None
    sections: tuple[Section, ...]
    not_medical_advice: str


def _text(
    table: dict[str, Any], key: str, where: str, limit: int, *, required: bool = False
) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ResourcesError(f'{where} needs {key} = "…"')
        return None
    if not isinstance(value, str):
        raise ResourcesError(f"{where}: {key} must be text in quotes")
    text = " ".join(value.split())
    if not text:
        if required:
            raise ResourcesError(f"{where}: {key} is empty")
        return None
    if len(text) > limit:
        raise ResourcesError(f"{where}: {key} is longer than {limit} characters")
    return text


def _only(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ResourcesError(f"{where}: unknown key {unknown[0]!r} (use {', '.join(allowed)})")


def _tables(value: object, key: str, where: str, limit: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ResourcesError(f"{where} needs at least one [[{key}]]")
    if not all(isinstance(item, dict) for item in value):
        raise ResourcesError(f"{where}: each of {key} must be a [[{key}]] table")
    if len(value) > limit:
        raise ResourcesError(f"{where} has more than {limit} {key.rsplit('.', 1)[-1]}")
    return value


def _entry(table: dict[str, Any], where: str) -> Resource:
    _only(table, ("name", "url", "about"), where)
    name = _text(table, "name", where, MAX_NAME, required=True)
    assert name is not None
    url = _text(table, "url", where, MAX_URL)
    if url is not None and not _URL.fullmatch(url):
        raise ResourcesError(
            f"{where}: url must be a web address starting with https:// (got {url[:60]!r})"
        )
    return Resource(name, url, _text(table, "about", where, MAX_ABOUT))


def parse_resources(text: str) -> Resources:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ResourcesError(f"not valid TOML: {error}") from None
    _only(data, ("title", "intro", "not_medical_advice", "sections"), "the file")
    disclaimer = _text(data, "not_medical_advice", "the file", MAX_DISCLAIMER, required=True)
    assert disclaimer is not None
    sections = []
    for number, table in enumerate(
        _tables(data.get("sections"), "sections", "the file", MAX_SECTIONS), start=1
    ):
        where = f"section {number}"
        _only(table, ("title", "entries"), where)
        title = _text(table, "title", where, MAX_TITLE, required=True)
        assert title is not None
        where = f"section {number} ({title!r})"
        entries = tuple(
            _entry(entry, f"{where}, entry {index}")
            for index, entry in enumerate(
                _tables(table.get("entries"), "sections.entries", where, MAX_ENTRIES), start=1
            )
        )
        sections.append(Section(title, entries))
    return Resources(
        title=_text(data, "title", "the file", MAX_TITLE) or DEFAULT_TITLE,
        intro=_text(data, "intro", "the file", MAX_INTRO),
        sections=tuple(sections),
        not_medical_advice=disclaimer,
    )


def load_resources(path: Path | None = None) -> Resources:
    """Read and check a resources file (the shipped one for None). Every problem is a
    ResourcesError whose message is one line naming the file."""
    where = path or SHIPPED_RESOURCES
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = "does not exist" if isinstance(error, FileNotFoundError) else "cannot be read"
        raise ResourcesError(f"{where} {reason}") from None
    try:
        return parse_resources(text)
    except ResourcesError as error:
        raise ResourcesError(f"{where}: {error}".replace("\n", " ")) from None


# The file is read again when it changes, so a deployer's edit shows without a restart;
# a broken edit keeps the last good version (and says so in the log) rather than fail people.
_cache: dict[Path, tuple[int, Resources]] = {}


def current_resources(path: Path | None = None) -> Resources:
    where = path or SHIPPED_RESOURCES
    try:
        stamp = where.stat().st_mtime_ns
    except OSError:
        stamp = -1
    cached = _cache.get(where)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        resources = load_resources(where)
    except ResourcesError as error:
        log.warning("resources file unusable, keeping the last good one: %s", error)
        if cached is not None:
            return cached[1]
        return load_resources(None) if path is not None else _fallback()
    _cache[where] = (stamp, resources)
    return resources


def _fallback() -> Resources:
    """Only if the shipped file itself is broken: still never a crash for the person."""
    return Resources(
        title=DEFAULT_TITLE,
        intro=None,
        sections=(
            Section(
                "Where to start",
                (
                    Resource(
                        "MS International Federation",
                        "https://www.msif.org",
                        "Finds the MS organisation in your country.",
                    ),
                ),
            ),
        ),
        not_medical_advice="This is not medical advice: please ask your doctor or MS nurse.",
    )
