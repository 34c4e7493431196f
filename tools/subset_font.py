"""Rebuild the CJK font subsets that credit reports embed (``make fonts``).

Source: Noto Sans SC 2.004 (SIL Open Font License 1.1), the TrueType (glyf) builds Google Fonts
serves, as packaged on the npm registry in ``@expo-google-fonts/noto-sans-sc@0.4.3``
(``400Regular/NotoSansSC_400Regular.ttf``, ``700Bold/NotoSansSC_700Bold.ttf``; their SHA-256
are pinned below). ReportLab embeds TrueType outlines only, hence not the CFF-based OTF builds.

Characters kept:

- Regular: ASCII, Latin-1, CJK symbols and punctuation (U+3000–303F), halfwidth and fullwidth
  forms (U+FF00–FFEF), every character of GB2312 (all 7,445: the 6,763 hanzi of both levels and
  its symbols, got by decoding every two-byte code), and every non-ASCII character the font has
  that occurs in ``src/credit/**/*.{py,json,html,txt}`` and ``../shared/requirements/seed-zh.txt``.
- Bold (headings, labels): the same without GB2312's level-2 hanzi (rows 56–87, the rare
  ones), which halves its size; a heading with a character the bold subset lacks is set in
  the regular face (``credit.reports.pdf.fonts.face_for``).

Usage::

    .venv/bin/python tools/subset_font.py                 # fetches the package with `npm pack`
    .venv/bin/python tools/subset_font.py --source DIR    # DIR: the unpacked package

The output is deterministic (no timestamps), so an unchanged input rebuilds identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "credit"
OUT = SRC / "reports" / "fonts"
SEED = ROOT.parent / "shared" / "requirements" / "seed-zh.txt"

PACKAGE = "@expo-google-fonts/noto-sans-sc@0.4.3"
FACES = {
    # output name: (path inside the package, SHA-256 of the source file)
    "NotoSansSC-Regular.ttf": (
        "400Regular/NotoSansSC_400Regular.ttf",
        "d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16",
    ),
    "NotoSansSC-Bold.ttf": (
        "700Bold/NotoSansSC_700Bold.ttf",
        "9a38ae0ab28cd5a256f9ea8e00dedc688aac17f7915fcb000572990afa956b96",
    ),
}
LICENCE = "LICENSE_FONT"
#: Source files whose characters the subsets keep.
PROJECT_GLOBS = ("*.py", "*.json", "*.html", "*.txt")
#: GB2312 rows (first byte 0xA0 + row) of the level-2 hanzi, left out of the bold face.
LEVEL2_ROWS = range(56, 88)


def gb2312(*, level2: bool = True) -> set[str]:
    """Every character of GB2312, by decoding each two-byte code (rows 1–87, cells 1–94)."""
    chars: set[str] = set()
    for row in range(1, 88):
        if not level2 and row in LEVEL2_ROWS:
            continue
        for cell in range(1, 95):
            try:
                chars.add(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def base_chars() -> set[str]:
    """ASCII, Latin-1, CJK punctuation and the fullwidth forms."""
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    return {chr(c) for low, high in ranges for c in range(low, high + 1)}


def project_chars(files: Iterable[Path]) -> set[str]:
    """The non-ASCII characters of the project's sources and the seed requirements."""
    chars: set[str] = set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        chars.update(c for c in text if ord(c) > 0x7F and c.isprintable())
    return chars


def project_files() -> list[Path]:
    files = sorted(p for pattern in PROJECT_GLOBS for p in SRC.rglob(pattern) if p.is_file())
    if SEED.exists():
        files.append(SEED)
    else:
        print(f"提示：未找到 {SEED}，只收录源代码中的字符。", file=sys.stderr)
    return files


def fetch_package(workdir: Path) -> Path:
    """``npm pack`` the pinned package into ``workdir`` and unpack it; returns its folder."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("需要 npm 来获取字体包；或用 --source 指定已解包的目录。")
    subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [npm, "pack", PACKAGE, "--silent", "--pack-destination", str(workdir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = workdir.glob("*.tgz")
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def subset_face(source: Path, target: Path, chars: set[str]) -> int:
    """Write the subset of ``source`` with ``chars`` (those the font has) to ``target``."""
    options = subset.Options()
    options.hinting = False  # the PDF is printed and viewed zoomed: hints add size only
    options.layout_features = []  # ReportLab lays out glyph by glyph
    options.notdef_outline = True  # a missing character shows as a box, never as nothing
    options.drop_tables += ["vhea", "vmtx", "BASE", "STAT", "GSUB", "GPOS", "GDEF"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    font = TTFont(source, recalcTimestamp=False)
    kept = sorted(ord(c) for c in chars if ord(c) in font.getBestCmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=kept)
    subsetter.subset(font)
    font.save(target)
    return len(kept)


def build(package: Path) -> None:
    for inner, digest in FACES.values():
        actual = sha256(package / inner)
        if actual != digest:
            raise SystemExit(f"{inner} 的 SHA-256 为 {actual}，与固定值 {digest} 不符。")
    extra = project_chars(project_files())
    common = base_chars() | extra
    sets = {
        "NotoSansSC-Regular.ttf": common | gb2312(),
        "NotoSansSC-Bold.ttf": common | gb2312(level2=False),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (inner, _) in FACES.items():
        count = subset_face(package / inner, OUT / name, sets[name])
        size = (OUT / name).stat().st_size
        print(f"{name}：{count} 个字符，{size / 1024 / 1024:.2f} MB")
    shutil.copyfile(package / LICENCE, OUT / "OFL.txt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="重新生成信用报告内嵌的中文字体子集")
    parser.add_argument("--source", type=Path, help="已解包的字体包目录（默认用 npm pack 获取）")
    args = parser.parse_args(argv)
    if args.source:
        build(args.source)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(fetch_package(Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
