"""Bad user input: the one error type for it, and how a tool reports it in one line.

Checks of files and values a user hands in (palettes, checkpoints, label maps, images,
``--cfg-options``) raise :class:`InputError` with a message that names the file or value, says
what is wrong and what to do. The command-line tools catch it (and ``FileNotFoundError``) with
:func:`exit_on_input_error` and print ``tool: message`` on one line instead of a traceback;
every other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from typing import Iterator


class InputError(ValueError):
    """A file or value given by the user is wrong; the message says which and what to do."""


# mmengine's registry re-raises a build error as ``type(err)('class `X` in a/b.py: <message>')``,
# once per nesting level (segmentor, head, VQ-VAE).
_REGISTRY_PREFIX = re.compile(r'class `[\w.]+` in [\w/.\-]+\.py: ')
# torch's DataLoader re-raises a worker's error with the worker's whole traceback in the message;
# its last line is "module.ErrorType: <message>".
_WORKER_MARK = 'Original Traceback'
_EXCEPTION_LINE = re.compile(r'^[\w.]*(Error|Exception): ')


def one_line(err: BaseException) -> str:
    """The user-facing message of ``err`` on one line, without registry or worker wrapping."""
    text = str(err)
    if isinstance(err, FileNotFoundError) and err.filename:
        text = f'{err.filename}: {err.strerror}'
    if _WORKER_MARK in text:
        lines = [line for line in text.splitlines() if line.strip()]
        text = _EXCEPTION_LINE.sub('', lines[-1].strip())
    text = _REGISTRY_PREFIX.sub('', text)
    return ' '.join(text.split())


@contextmanager
def exit_on_input_error(tool: str) -> Iterator[None]:
    """Turn :class:`InputError` and ``FileNotFoundError`` raised inside the block into
    ``tool: message`` on stderr and exit status 1."""
    try:
        yield
    except (InputError, FileNotFoundError) as err:
        sys.exit(f'{tool}: {one_line(err)}')
