"""End-to-end tests of the lab's hardware: real VMs under software emulation (marker ``e2e``)."""
