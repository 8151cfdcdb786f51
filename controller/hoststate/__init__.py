"""The BareMetalHost state machine: one table ``state → handler``, guards, outcomes, one writer.

``machine.reconcile`` runs the guards in a fixed order and then the current state's handler;
every handler returns an ``outcomes`` value carrying the next state as data, so ``table`` can
list and ``diagram`` can draw every transition; status fields to set travel as a typed
``change.Status``. ``claims`` decides which of two hosts on one machine may manage it.
``writer.apply`` is the only place that turns
an outcome into a new status (state, error fields, operationHistory, conditions), Kubernetes
Events and metadata changes. The operator layer executes what the writer decides.
"""
