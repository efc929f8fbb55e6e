"""The config file: funnel, aliases, errors; the funnel stored with the data."""

from __future__ import annotations

import pytest
from conftest import load_into, query, write

from salesfunnel.config import load_config
from salesfunnel.errors import ConfigError, ExitCode


def test_aliases_and_custom_funnel(tmp_path, db_path):
    config = write(
        tmp_path,
        "salesfunnel.toml",
        """
[funnel]
stages = ["MQL", "SQL", "Demo", "Closed Won"]
lost = ["Closed Lost", "Disqualified"]

[funnel.aliases]
"marketing qualified" = "MQL"
"sales accepted" = "SQL"
"dq" = "Disqualified"
""",
    )
    deals = write(
        tmp_path,
        "deals.csv",
        "deal_id,rep,stage\nA,ann,marketing qualified\nB,ann, Sales Accepted\nC,bob,DQ\n"
        "D,bob,closed won\nE,bob,demo\n",
    )
    report = load_into(db_path, deals, config=config)
    assert report.files[0].rows_rejected == 0
    assert query(db_path, "select deal_id, stage, status from deals order by 1") == [
        ("A", "MQL", "open"),
        ("B", "SQL", "open"),
        ("C", "Closed Lost", "lost"),
        ("D", "Closed Won", "won"),
        ("E", "Demo", "open"),
    ]
    # the funnel is stored: reports without the config use it
    assert query(db_path, "select stage from funnel_stages order by stage_index") == [
        ("MQL",), ("SQL",), ("Demo",), ("Closed Won",)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[funnel\n", "not valid TOML"),
        ('[funnel]\nstages = ["only"]\n', "at least two"),
        ('[funnel]\nstages = ["a", "A"]\n', "appear more than once"),
        ('[funnel]\nstages = ["a", "b"]\n[funnel.aliases]\nx = "c"\n', "neither a stage"),
        ('[tiers]\nsource = "accounts"\n', "needs column"),
        ('[tiers]\nsource = "amount"\nbands = [{ below = 5, tier = "a" }, { below = 1, tier = "b" }]\n',
         "must ascend"),
        ('[dates]\norder = "ymd"\n', "mdy"),
        ('[columns.deals]\nowner = "Owner"\n', "not a field of deals"),
    ],
)
def test_config_errors(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError, match=message):
        config = load_config(str(path))
        from salesfunnel.load.presets import mapping_preset

        mapping_preset(config)


def test_missing_config_file(tmp_path, cli):
    result = cli("info", "--config", tmp_path / "nope.toml", "--db", tmp_path / "x.duckdb")
    assert result.exit_code == ExitCode.INPUT
    assert "does not exist" in result.stderr
