"""What `pip install .` puts into site-packages: one package, papers_bot, and the papers-bot command."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_installs_one_top_level_package_and_the_command(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("papers_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))

    assert {n.split("/")[0] for n in names} == {"papers_bot", info}
    for part in ("bot/cogs/papers.py", "retrieval/search.py", "store/db.py", "library.py", "cli.py", "py.typed"):
        assert f"papers_bot/{part}" in names
    assert sum(n.startswith("papers_bot/store/sample/") and n.endswith(".txt") for n in names) == 3

    scripts = configparser.ConfigParser()
    scripts.read_string(zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode())
    assert dict(scripts["console_scripts"]) == {"papers-bot": "papers_bot.cli:main"}


def test_the_readme_map_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text()
    built = readme.split("## How it is built", 1)[1].split("```")[1]
    for folder in ("app", "store", "retrieval", "bot"):
        assert f"\n{folder}/ " in built
        for module in (ROOT / folder).rglob("*.py"):
            if module.stem not in ("__init__", "__main__") and module.parent.name != "cogs":
                assert module.name in built, f"{module} is not in the README's map"
