"""Virtual BMCs for the lab's VMs: IPMI on pyghmi, Redfish on sushy-tools, supervised, faultable.

The hardware half of ``metallab up`` calls ``vbmc.supervisor.reconcile`` with one
``vbmc.spec.BmcSpec`` per host and ``vbmc.supervisor.stop_all`` on ``down``; scenarios and the
``metallab bmc`` CLI call ``vbmc.faults.set_fault`` to make a BMC misbehave. See docs/bmc.md.
"""
