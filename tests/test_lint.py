"""The lint settings in setup.cfg hold for the whole tree (what pre-commit runs on a commit)."""
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

FOLDERS = ['gss', 'tools', 'tests', 'demo', 'configs', 'setup.py']


@pytest.mark.parametrize('linter', [['flake8'], ['isort', '--check-only', '--diff']],
                         ids=['flake8', 'isort'])
def test_the_tree_is_lint_clean(linter):
    pytest.importorskip(linter[0])
    result = subprocess.run([sys.executable, '-m', *linter, *FOLDERS], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
