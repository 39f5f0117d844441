"""The runtime package stays light: importing it, or asking the CLI for help, loads no client or chart library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["simple_salesforce", "zeep", "matplotlib", "starlette", "uvicorn", "trustme", "requests"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def _top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_import_wcsf_recon_loads_no_client_chart_or_sandbox_library() -> None:
    loaded = _top_level(_modules_after("import wcsf_recon"))
    assert "wcsf_recon" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    assert "pandas" not in loaded  # nothing at all is loaded until a name is used


def test_the_cli_module_loads_neither_pandas_nor_the_clients() -> None:
    loaded = _top_level(_modules_after("import wcsf_recon.cli"))
    assert loaded.isdisjoint([*HEAVY, "pandas", "numpy", "httpx"]), sorted(loaded & {*HEAVY, "pandas", "httpx"})


def test_names_load_on_first_use_and_push_is_the_subpackage() -> None:
    loaded = _modules_after(
        "import wcsf_recon, types\n"
        "assert isinstance(wcsf_recon.push, types.ModuleType) and callable(wcsf_recon.push_plan)\n"
        "assert wcsf_recon.push_plan is wcsf_recon.push.push_plan\n"
        "assert set(wcsf_recon.__all__) <= set(dir(wcsf_recon))\n"
        "from wcsf_recon import Config, reconcile, read_snapshot\n"
        "assert Config().wc_id_field"
    )
    assert "wcsf_recon.reconcile" in loaded and "wcsf_recon.push" in loaded
    with pytest.raises(AttributeError):
        import wcsf_recon

        _ = wcsf_recon.no_such_name


BLOCK_STARLETTE = """
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "starlette":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Missing())
import wcsf_recon.sandbox
"""


def test_the_sandbox_without_its_extra_says_how_to_install_it() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCK_STARLETTE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "ImportError: wcsf_recon.sandbox needs the sandbox extra (starlette is not installed): "
        "pip install 'wcsf-recon[sandbox]'"
    )


def test_push_loads_neither_the_report_nor_the_matcher(tmp_path) -> None:
    """`wcsf-recon push` starts a fresh process each time (the kill -9 trials start 20): no matplotlib, no matcher."""
    from wcsf_recon import reconcile
    from wcsf_recon.synth import generate_world

    reconcile(generate_world(40, seed=3).snapshot).write(tmp_path / "out")
    (tmp_path / "empty.env").write_text("")
    loaded = _modules_after(  # as far as an --apply push gets without credentials: the lock taken, then refused
        "from wcsf_recon.push import push_plan\n"
        "try:\n"
        f"    push_plan({str(tmp_path / 'out' / 'plan')!r}, apply=True, env_file={str(tmp_path / 'empty.env')!r},"
        f" state_dir={str(tmp_path / 'state')!r})\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)"
    )
    assert (tmp_path / "state" / "run.lock").exists()  # it got as far as the lock
    assert "matplotlib" not in _top_level(loaded) and "wcsf_recon.match" not in loaded
    assert "wcsf_recon.runs" not in loaded
