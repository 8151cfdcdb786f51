"""The lab's boot endpoints, the generic iPXE script and the controller flags they become."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509

from hostkit import pki
from lab import controller_component
from lab.config import load
from lab.images import ipxe, serving


def test_endpoints_are_chosen_once_on_the_provisioning_host_address(tmp_path: Path) -> None:
    lab = load.load(None, name="metallab", hosts=1)
    chosen = serving.endpoints(tmp_path, lab)
    assert chosen.address == "172.22.0.2"
    assert serving.endpoints(tmp_path, lab) == chosen
    assert chosen.agent_url == f"https://172.22.0.2:{chosen.conductor_port}"
    assert chosen.chain_url == f"http://172.22.0.2:{chosen.images_port}/boot.ipxe"
    assert len({chosen.images_port, chosen.conductor_port, chosen.boot_port}) == 3


def test_the_chain_script_asks_the_conductor_for_the_boot_mac_and_gives_up() -> None:
    script = ipxe.chain_script("http://10.0.0.2:8480/")
    assert script.startswith("#!ipxe\n")
    assert "chain --replace --autofree http://10.0.0.2:8480/v1/boot/${net0/mac}.ipxe" in script
    assert f"iseq ${{attempt}} {ipxe.ATTEMPTS} && goto give_up" in script


def test_the_controller_gets_its_urls_tls_and_the_lab_ca_as_flags(tmp_path: Path) -> None:
    lab = load.load(None, name="metallab", hosts=1)
    ca = pki.ensure_ca(pki.Pair(tmp_path / "ca.crt", tmp_path / "ca.key"), common_name="ca")
    boot = controller_component.Boot(serving.endpoints(tmp_path, lab), ca)
    flags = controller_component.boot_flags(tmp_path, boot)
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert pairs["--bmc-ca-file"] == str(ca.cert)
    for flag, value in pairs.items():
        assert flag.startswith("--") and value, flag
    pem = controller_component.conductor_tls(tmp_path, boot).cert.read_bytes()
    names = x509.load_pem_x509_certificate(pem).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    # Agents check the conductor's certificate against the address they call.
    assert ipaddress.ip_address("172.22.0.2") in names.value.get_values_for_type(x509.IPAddress)
