"""Renaming a foreign state dict by key prefixes, the step every converter shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence

from torch import Tensor

from gss.errors import InputError


@dataclass
class RenamedState:
    """A renamed state dict, the keys left out on purpose, and the keys nothing claimed."""

    state: Dict[str, Tensor] = field(default_factory=dict)
    dropped: List[str] = field(default_factory=list)
    unknown: List[str] = field(default_factory=list)


def rename_by_prefix(state: Mapping[str, Tensor], renames: Mapping[str, str],
                     drop: Sequence[str] = ()) -> RenamedState:
    """Rename every key by the longest matching prefix of ``renames`` (prefix -> new prefix;
    an identity entry keeps a subtree as it is); keys under a ``drop`` prefix are left out.

    The longest prefix wins, so ``'decode_head.conv_seg.'`` and ``'decode_head.conv_seg_pixel.'``
    never shadow each other.
    """
    out = RenamedState()
    by_length = sorted(renames, key=len, reverse=True)
    for key, value in state.items():
        if any(key.startswith(prefix) for prefix in drop):
            out.dropped.append(key)
            continue
        prefix = next((p for p in by_length if key.startswith(p)), None)
        if prefix is None:
            out.unknown.append(key)
        else:
            out.state[renames[prefix] + key[len(prefix):]] = value
    return out


def refuse_unknown(keys: Sequence[str], what: str) -> None:
    """One line naming (up to five of) the keys no rule claimed, or nothing."""
    if keys:
        more = ' ...' if len(keys) > 5 else ''
        raise InputError(f'{len(keys)} keys of no known module: {", ".join(keys[:5])}{more}; is '
                         f'it {what}?')
