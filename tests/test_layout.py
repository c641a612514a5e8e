"""The package reads as the paper: stage 1 (gss/maskige/) never imports stage 2 (gss/models/),
and modules and functions stay small enough to read in one sitting."""
import ast
import glob
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT


def _python_files(*folders: str):
    return sorted(p for folder in folders
                  for p in glob.glob(osp.join(REPO_ROOT, folder, '**', '*.py'), recursive=True))


def _imported_modules(path: str):
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize('path', _python_files('gss/maskige'),
                         ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_stage_one_does_not_import_stage_two(path):
    assert not [m for m in _imported_modules(path) if m.startswith('gss.models')]


def test_no_module_of_the_package_is_over_400_lines():
    long = {osp.relpath(p, REPO_ROOT): n for p in _python_files('gss')
            if (n := len(open(p).read().splitlines())) > 400}
    assert not long


def test_no_function_is_over_60_lines():
    long = []
    for path in _python_files('gss', 'tools'):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    node.end_lineno - node.lineno >= 60:
                long.append(f'{osp.relpath(path, REPO_ROOT)}:{node.lineno} {node.name}')
    assert not long
