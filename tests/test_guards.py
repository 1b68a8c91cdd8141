"""The suite's own guards must catch what they claim to (run in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_pytest(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    test_dir = tmp_path / "tests"
    test_dir.mkdir()
    (test_dir / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (test_dir / "test_leak.py").write_text(textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(test_dir)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_unretrieved_task_exception_fails_the_test(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, """
        import asyncio

        async def test_leaks_a_failed_task():
            async def boom():
                raise RuntimeError("lost")
            asyncio.get_running_loop().create_task(boom())
            await asyncio.sleep(0.01)
    """)
    assert result.returncode != 0, result.stdout
    assert "never retrieved" in result.stdout


def test_unclosed_aiohttp_session_fails_the_test(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, """
        import aiohttp

        async def test_leaks_a_session():
            aiohttp.ClientSession()
    """)
    assert result.returncode != 0, result.stdout
    assert "Unclosed client session" in result.stdout or "ResourceWarning" in result.stdout


def test_unawaited_coroutine_fails_the_test(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, """
        import asyncio

        async def work():
            return 1

        def test_forgets_to_await():
            work()
    """)
    assert result.returncode != 0, result.stdout
    assert "never awaited" in result.stdout


def test_a_clean_async_test_passes(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, """
        import asyncio
        import aiohttp

        async def test_clean():
            async with aiohttp.ClientSession():
                await asyncio.sleep(0)
    """)
    assert result.returncode == 0, result.stdout
