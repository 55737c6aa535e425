"""Run the gallery check.

    .venv/bin/python benchmarks/gallery_check [--image IMG] [--data-dir DIR]
        [--only plot_a.py,plot_b.py] [--rst docs/gallery-check.rst] [--reuse-reference]
        [--setting NAME=VALUE ...]

Needs .venv (the service) and .venv-gallery (sphinx-build with the image's package
versions: ``make gallery-venv``). Exits 1 when an example that has its data does not
match, so it can gate a release.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from gallery_check import pages, reference, report, source  # noqa: E402
from gallery_check.runner import run_example  # noqa: E402

from tests.service import Service  # noqa: E402

GALLERY_PYTHON = ROOT / ".venv-gallery" / "bin" / "python"


def image_version(image: str, package: str = "scikit-image") -> str:
    out = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "cat",
                          image, "/opt/livegallery/versions.json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {image} has no /opt/livegallery/versions.json (rebuild it with "
                 f"images/build.sh): {out.stderr.strip()}")
    return json.loads(out.stdout)["packages"][package]


def merged(previous: list[dict], new: list) -> list:
    """The previous run's outcomes with the new ones in place of the same examples."""
    from gallery_check.runner import Outcome
    by_name = {row["name"]: Outcome(**row) for row in previous}
    by_name.update({o.name: o for o in new})
    return [by_name[name] for name in sorted(by_name)]


def arguments(argv):
    parser = argparse.ArgumentParser(prog="gallery_check", description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=os.environ.get("LIVEGALLERY_IMAGE",
                                                          "livegallery-sandbox:latest"))
    parser.add_argument("--data-dir", default="", help="datasets for the service and reference")
    parser.add_argument("--only", default="", help="comma-separated example file names")
    parser.add_argument("--rst", default="", help="write the table as this rst page")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "gallery.json"))
    parser.add_argument("--merge", action="store_true",
                        help="update these examples' rows in the --json results of a "
                        "previous run (e.g. re-running a few with --only)")
    parser.add_argument("--reuse-reference", action="store_true",
                        help="keep an existing reference build of the same selection")
    parser.add_argument("--setting", action="append", default=[],
                        help="a service setting NAME=VALUE (default: the service's defaults)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()] or None
    version = image_version(args.image)
    examples_dir = source.extract(source.fetch_sdist(version)) / "doc" / "examples"
    site = source.CACHE / "reference-full"
    if only and not (args.reuse_reference and (site / "_build").is_dir()):
        site = source.CACHE / "reference-subset"
    if not (args.reuse_reference and (site / "_build").is_dir()):
        print(f"==> sphinx-gallery's run of scikit-image {version} (many minutes for all)")
        env_data = str(Path(args.data_dir).absolute() / "scikit-image") if args.data_dir else ""
        reference.build(examples_dir, site, GALLERY_PYTHON, only, data_dir=env_data)
    found = pages.examples(site, only)
    settings = dict(s.split("=", 1) for s in args.setting)
    if args.data_dir:
        settings["data_dir"] = str(Path(args.data_dir).absolute())
    service = Service(image=args.image, **settings)
    service.start()
    outcomes = []
    try:
        for example in found:
            outcome = run_example(service, example)
            outcomes.append(outcome)
            print(f"{outcome.status:<16} {outcome.seconds:6.1f}s  {example.name}  {outcome.reason}",
                  flush=True)
    finally:
        service.stop()
    if args.merge and Path(args.json).exists():
        outcomes = merged(json.loads(Path(args.json).read_text())["outcomes"], outcomes)
    print(report.text_table(outcomes))
    print(report.summary(outcomes))
    context = {"version": version, "image": args.image, "data_dir": args.data_dir,
               "machine": f"{os.cpu_count()} cores, {platform.machine()}",
               "date": datetime.date.today().isoformat()}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"context": context,
                                           "outcomes": [vars(o) for o in outcomes]}, indent=1))
    if args.rst:
        report.write_rst(Path(args.rst), outcomes, context)
    return 0 if all(o.status in ("match", "varies", "needs data") for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
