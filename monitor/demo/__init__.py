"""The sample district: 云城区's units, a local sample site that serves their
disclosures with deliberate faults, and the scenario that says what a monitor
crawling it must find."""
