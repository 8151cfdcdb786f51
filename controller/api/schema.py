"""OpenAPI v3 schemas of BareMetalHost and HardwareData, field for field compatible with Metal3.

Written as data with a few builders so the field list reads like the API reference. Only
``api.crds`` calls this; a manifest written for Metal3's baremetal-operator must validate here
unchanged (strict field validation included), so every field BMO accepts is listed.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

MAC_PATTERN = "[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}"


def string(description: str, *, enum: list[str] | None = None, **extra: Any) -> Schema:
    out: Schema = {"type": "string", "description": description, **extra}
    if enum is not None:
        out["enum"] = enum
    return out


def integer(description: str, **extra: Any) -> Schema:
    return {"type": "integer", "description": description, **extra}


def boolean(description: str, **extra: Any) -> Schema:
    return {"type": "boolean", "description": description, **extra}


def timestamp(description: str, **extra: Any) -> Schema:
    return {"type": "string", "format": "date-time", "description": description, **extra}


def array(description: str, items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "description": description, "items": items, **extra}


def obj(description: str, properties: dict[str, Schema], **extra: Any) -> Schema:
    return {"type": "object", "description": description, "properties": properties, **extra}


def secret_reference(description: str) -> Schema:
    return obj(
        description,
        {
            "name": string("Name of the Secret."),
            "namespace": string("Namespace of the Secret."),
        },
        **{"x-kubernetes-map-type": "atomic"},
    )


def _object_reference() -> Schema:
    return obj(
        "What is using this host (e.g. a Cluster API Machine); set means the host is in use.",
        {
            "apiVersion": string("API version of the referent."),
            "fieldPath": string("Part of the referent, if any."),
            "kind": string("Kind of the referent."),
            "name": string("Name of the referent."),
            "namespace": string("Namespace of the referent."),
            "resourceVersion": string("Resource version the reference was made at."),
            "uid": string("UID of the referent."),
        },
        **{"x-kubernetes-map-type": "atomic"},
    )


def root_device_hints(description: str) -> Schema:
    return obj(
        description,
        {
            "deviceName": string("Linux device name such as /dev/vda, or a by-path link."),
            "hctl": string("SCSI address like 0:0:0:0."),
            "minSizeGigabytes": integer("Smallest acceptable size in gigabytes.", minimum=0),
            "model": string("Vendor-specific model; may be a substring."),
            "rotational": boolean("True for spinning media, false for solid state."),
            "serialNumber": string("Device serial number, exact."),
            "vendor": string("Vendor name; may be a substring."),
            "wwn": string("Unique storage identifier, exact."),
            "wwnVendorExtension": string("Vendor extension of the WWN, exact."),
            "wwnWithExtension": string("WWN with the vendor extension appended, exact."),
        },
    )


def image() -> Schema:
    return obj(
        "The image to deploy; setting it starts provisioning.",
        {
            "checksum": string("Checksum of the image (or a URL of a checksum file)."),
            "checksumType": string(
                "Checksum algorithm; 'auto' detects it from the checksum.",
                enum=["md5", "sha256", "sha512", "auto"],
            ),
            "format": string(
                "Disk format of the image; live-iso boots it without writing a disk.",
                enum=["raw", "qcow2", "vdi", "vmdk", "live-iso"],
            ),
            "ociAuthSecretName": string("Docker-config Secret for oci:// images."),
            "url": string("Where to download the image from."),
        },
        required=["url"],
    )


def firmware_config(description: str) -> Schema:
    toggle = {"enum": [True, False]}
    return obj(
        description,
        {
            "simultaneousMultithreadingEnabled": boolean("Hyper-threading.", **toggle),
            "sriovEnabled": boolean("SR-IOV.", **toggle),
            "virtualizationEnabled": boolean("Hardware virtualisation.", **toggle),
        },
    )


def raid_config(description: str) -> Schema:
    hardware_volume = obj(
        "One hardware RAID logical disk.",
        {
            "controller": string("RAID controller to use."),
            "level": string("RAID level.", enum=["0", "1", "2", "5", "6", "1+0", "5+0", "6+0"]),
            "name": string("Volume name.", maxLength=64),
            "numberOfPhysicalDisks": integer("Disks to use.", minimum=1),
            "physicalDisks": array("Physical disk names.", {"type": "string"}),
            "rotational": boolean("Only rotational (true) or only solid-state (false) disks."),
            "sizeGibibytes": integer("Size in GiB; 0 means all.", minimum=0),
        },
        required=["level"],
    )
    software_volume = obj(
        "One software RAID device.",
        {
            "level": string("RAID level.", enum=["0", "1", "1+0"]),
            "physicalDisks": array(
                "Device hints of the member disks.",
                root_device_hints("Hints selecting one member disk."),
                minItems=2,
            ),
            "sizeGibibytes": integer("Size in GiB; 0 means all.", minimum=0),
        },
        required=["level"],
    )
    return obj(
        description,
        {
            "hardwareRAIDVolumes": array(
                "Hardware RAID volumes; [] clears them.", hardware_volume, nullable=True
            ),
            "softwareRAIDVolumes": array(
                "Software RAID volumes (one or two).", software_volume, maxItems=2, nullable=True
            ),
        },
    )


def custom_deploy(description: str) -> Schema:
    return obj(
        description, {"method": string("Deploy method of the deploy ramdisk.")}, required=["method"]
    )


def hardware_details() -> Schema:
    vlan = obj(
        "A VLAN.",
        {
            "id": integer("802.1Q VLAN id.", format="int32", minimum=0, maximum=4094),
            "name": string("VLAN name."),
        },
    )
    nic = obj(
        "One network interface.",
        {
            "ip": string("IPv4 or IPv6 address, if any."),
            "lldp": obj(
                "LLDP data.",
                {
                    "portID": string("Switch port id."),
                    "switchID": string("Switch chassis id."),
                    "switchSystemName": string("Switch system name."),
                },
            ),
            "mac": string("MAC address.", pattern=MAC_PATTERN),
            "model": string("Vendor and product ids."),
            "name": string("Interface name."),
            "pciAddress": string("PCI address."),
            "pxe": boolean("Whether the NIC can PXE boot."),
            "speedGbps": integer("Speed in Gbit/s."),
            "vlanId": integer("Untagged VLAN id.", format="int32", minimum=0, maximum=4094),
            "vlans": array("VLANs available.", vlan),
        },
    )
    storage = obj(
        "One storage device.",
        {
            "alternateNames": array("Other Linux device names.", {"type": "string"}),
            "hctl": string("SCSI address."),
            "model": string("Model."),
            "name": string("Stable Linux device name."),
            "rotational": boolean("Whether the disk is rotational."),
            "serialNumber": string("Serial number."),
            "sizeBytes": integer("Size in bytes.", format="int64"),
            "type": string("Device type.", enum=["HDD", "SSD", "NVME"]),
            "vendor": string("Vendor."),
            "wwn": string("WWN."),
            "wwnVendorExtension": string("WWN vendor extension."),
            "wwnWithExtension": string("WWN with extension."),
        },
    )
    return obj(
        "Hardware found by inspection.",
        {
            "cpu": obj(
                "CPUs.",
                {
                    "arch": string("Architecture."),
                    "clockMegahertz": {
                        "type": "number",
                        "format": "double",
                        "description": "Clock speed in MHz.",
                    },
                    "count": integer("Number of CPUs."),
                    "flags": array("CPU flags.", {"type": "string"}),
                    "model": string("Model."),
                },
            ),
            "firmware": obj(
                "System firmware.",
                {
                    "bios": obj(
                        "BIOS.",
                        {
                            "date": string("Release date."),
                            "vendor": string("Vendor."),
                            "version": string("Version."),
                        },
                    )
                },
            ),
            "hostname": string("Host name at inspection time."),
            "nics": array("Network interfaces.", nic),
            "ramMebibytes": integer("Memory in MiB."),
            "storage": array("Storage devices.", storage),
            "systemVendor": obj(
                "System vendor.",
                {
                    "manufacturer": string("Manufacturer."),
                    "productName": string("Product name."),
                    "serialNumber": string("Serial number."),
                },
            ),
        },
    )


def _operation_metric() -> Schema:
    return obj(
        "When an operation started and ended.",
        {
            "start": timestamp("Start time.", nullable=True),
            "end": timestamp("End time.", nullable=True),
        },
    )


def _credentials_status(description: str) -> Schema:
    return obj(
        description,
        {
            "credentials": secret_reference("The Secret holding the credentials."),
            "credentialsVersion": string("The Secret's resourceVersion."),
        },
    )


def _condition() -> Schema:
    return obj(
        "One aspect of the host's state (metav1.Condition).",
        {
            "lastTransitionTime": timestamp("When the status last changed."),
            "message": string("Human-readable detail.", maxLength=32768),
            "observedGeneration": integer(
                "metadata.generation this was computed from.", format="int64", minimum=0
            ),
            "reason": string(
                "CamelCase reason.",
                maxLength=1024,
                minLength=1,
                pattern="^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
            ),
            "status": string("True, False or Unknown.", enum=["True", "False", "Unknown"]),
            "type": string(
                "Condition type.",
                maxLength=316,
                pattern=(
                    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                    r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
                ),
            ),
        },
        required=["lastTransitionTime", "message", "reason", "status", "type"],
    )


def baremetalhost_spec() -> Schema:
    return obj(
        "The desired state of a BareMetalHost.",
        {
            "architecture": string("CPU architecture, e.g. x86_64 or aarch64."),
            "automatedCleaningMode": string(
                "'disabled' skips disk cleaning before and after provisioning.",
                enum=["metadata", "disabled"],
                default="metadata",
            ),
            "bmc": obj(
                "How to reach the host's baseboard management controller.",
                {
                    "address": string(
                        "BMC URL; its scheme names the driver (ipmi://, redfish://, "
                        "redfish-virtualmedia://, each with +http or +https)."
                    ),
                    "credentialsName": string(
                        "Secret in the host's namespace with keys username and password."
                    ),
                    "disableCertificateVerification": boolean(
                        "Skip TLS verification of the BMC's certificate (insecure)."
                    ),
                },
                required=["address", "credentialsName"],
            ),
            "bootMACAddress": string(
                "MAC of the NIC the host network-boots from (never the BMC's).",
                pattern=MAC_PATTERN,
            ),
            "bootMode": string(
                "Firmware boot mode; defaults to UEFI.", enum=["UEFI", "UEFISecureBoot", "legacy"]
            ),
            "consumerRef": _object_reference(),
            "customDeploy": custom_deploy("A deploy step of the deploy ramdisk instead of image."),
            "description": string("Free text to help identify the host."),
            "disablePowerOff": boolean("Reboot instead of powering off."),
            "externallyProvisioned": boolean(
                "Something else installed the host: only manage its power."
            ),
            "firmware": firmware_config("BIOS settings (deprecated in Metal3)."),
            "hardwareProfile": string("Hardware profile name (deprecated in Metal3)."),
            "image": image(),
            "inspectionMode": string("'disabled' skips inspection.", enum=["disabled", "agent"]),
            "metaData": secret_reference("Secret with metadata for the config drive."),
            "networkData": secret_reference("Secret with network data for the config drive."),
            "online": boolean("Whether the host should be powered on."),
            "preprovisioningNetworkDataName": string(
                "Secret with network data for the deploy ramdisk."
            ),
            "raid": raid_config("RAID settings applied before provisioning."),
            "rootDeviceHints": root_device_hints("How to pick the disk to write the image to."),
            "taints": array(
                "Taints to put on the corresponding Machine.",
                obj(
                    "A node taint.",
                    {
                        "effect": string("NoSchedule, PreferNoSchedule or NoExecute."),
                        "key": string("Taint key."),
                        "timeAdded": timestamp("When the taint was added."),
                        "value": string("Taint value."),
                    },
                    required=["effect", "key"],
                ),
            ),
            "userData": secret_reference("Secret with user data for the config drive."),
        },
        required=["online"],
    )


def baremetalhost_status() -> Schema:
    return obj(
        "The observed state of a BareMetalHost.",
        {
            "conditions": array(
                "Current conditions.",
                _condition(),
                maxItems=32,
                **{"x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map"},
            ),
            "errorCount": integer("Errors since the last successful operation.", default=0),
            "errorMessage": string("The last error message."),
            "errorType": string(
                "Kind of the last error while operationalStatus is error.",
                enum=[
                    "provisioned registration error",
                    "registration error",
                    "inspection error",
                    "preparation error",
                    "provisioning error",
                    "power management error",
                    "servicing error",
                ],
            ),
            "goodCredentials": _credentials_status("The last credentials that worked."),
            "hardware": hardware_details(),
            "hardwareProfile": string("Matched hardware profile (deprecated in Metal3)."),
            "lastUpdated": timestamp("When the status was last written."),
            "operationHistory": obj(
                "Start and end of the host's operations.",
                {
                    "deprovision": _operation_metric(),
                    "inspect": _operation_metric(),
                    "provision": _operation_metric(),
                    "register": _operation_metric(),
                },
            ),
            "operationalStatus": string(
                "Health of the host.",
                enum=["", "OK", "discovered", "error", "delayed", "detached", "servicing"],
            ),
            "poweredOn": boolean("Last seen power state."),
            "provisioning": obj(
                "What the provisioner is doing with the host.",
                {
                    "ID": string("The host's id in the provisioning backend."),
                    "bootMode": string(
                        "Boot mode used to provision.", enum=["UEFI", "UEFISecureBoot", "legacy"]
                    ),
                    "currentActivity": string("What the provisioner is doing now."),
                    "customDeploy": custom_deploy("Custom deploy applied to the host."),
                    "firmware": firmware_config("Firmware settings applied."),
                    "image": image(),
                    "progress": string("Progress of the current operation."),
                    "raid": raid_config("RAID configuration applied."),
                    "rootDeviceHints": root_device_hints("Root device hints used."),
                    "state": string("The provisioning state."),
                    "steps": array(
                        "Steps of the current operation.",
                        obj(
                            "One provisioning step.",
                            {
                                "description": string("What the step does."),
                                "name": string("Step name."),
                                "state": string("in progress, completed or failed."),
                            },
                            required=["name", "state"],
                        ),
                    ),
                },
                required=["ID", "state"],
            ),
            "triedCredentials": _credentials_status("The last credentials tried."),
        },
        required=["errorCount", "errorMessage", "operationalStatus", "poweredOn", "provisioning"],
    )


def top_level(description: str, spec: Schema, status: Schema | None = None) -> Schema:
    properties: dict[str, Schema] = {
        "apiVersion": string("Versioned schema of this object."),
        "kind": string("Kind of this object."),
        "metadata": {"type": "object"},
        "spec": spec,
    }
    if status is not None:
        properties["status"] = status
    return obj(description, properties)
