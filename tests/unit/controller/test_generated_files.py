"""Generated files are fresh: the CRD YAML matches the schema, the diagram matches the table."""

from __future__ import annotations

from controller.api import crds, generate
from controller.hoststate import diagram


def test_crd_yaml_is_fresh() -> None:
    assert generate.stale_files() == [], "run `make generate` (python -m controller.api.generate)"


def test_state_diagram_is_fresh() -> None:
    assert diagram.DOC.read_text() == diagram.render(), (
        "run `python -m controller.hoststate.diagram`"
    )


def test_crd_matches_bmo_names_and_columns() -> None:
    bmh = crds.baremetalhost()
    names = bmh["spec"]["names"]
    assert names["shortNames"][0] == "bmh" and names["kind"] == "BareMetalHost"
    version = bmh["spec"]["versions"][0]
    visible = [c["name"] for c in version["additionalPrinterColumns"] if "priority" not in c]
    assert visible == ["State", "Consumer", "Online", "Error", "Age"]
    assert version["subresources"] == {"status": {}}
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    for field in (
        "bmc",
        "bootMACAddress",
        "bootMode",
        "online",
        "consumerRef",
        "image",
        "userData",
        "networkData",
        "metaData",
        "rootDeviceHints",
        "externallyProvisioned",
        "automatedCleaningMode",
        "customDeploy",
        "description",
        "architecture",
    ):
        assert field in spec, field
    assert crds.hardwaredata()["spec"]["names"]["plural"] == "hardwaredata"
