"""Fulfillment: one shipment per order, moved along by a seeded warehouse simulator.

Modules: ``main`` (composition root), ``settings`` (the simulator's knobs), ``api``
(routes), ``models`` (JSON bodies), ``domain`` (the shipment state machine),
``autopilot`` (pure, seeded choice of each automatic step and its time),
``shipment_service`` (use cases: one transaction and one message per step),
``handlers`` (FulfillmentRequested), ``worker`` (the background task that takes due
steps), ``store`` (SQL), ``schema`` (migrations).
"""
