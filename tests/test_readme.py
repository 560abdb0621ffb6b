"""The README tells a newcomer what `make run` loads: its demo-data counts must be what
`seed-demo` really loads, so the two cannot drift apart again."""

import re
from pathlib import Path

from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_demo_data_counts_match_what_seed_demo_loads(app):
    result = app.test_cli_runner().invoke(args=["charter", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        counts = dict(db.session.execute(
            select(Organisation.status, func.count()).group_by(Organisation.status)).all())

    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"The demo data has (\d+) approved signatories.*? (\d+) applications waiting "
                     r"for review", text)
    assert said, "the README no longer describes the demo data"
    assert (int(said.group(1)), int(said.group(2))) == (counts["approved"], counts["submitted"])
