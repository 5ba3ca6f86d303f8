"""The sample district: 云城区's units, a local sample site that serves their
disclosures with deliberate faults, and the scenario that says what a monitor
crawling it must find.

    with DemoSite() as site:                          # 127.0.0.1, a free port
        with transaction(sessions) as session:
            prepare(session, site.base_url)           # units + feeds
        scenario = build_scenario()
        for day in scenario.crawl_days:
            site.set_today(day)                       # the site's simulated clock
            run_cycle(sessions, settings, now=...)    # crawl at that day
        # compare open findings with scenario.expected
"""

from monitor.demo.district import prepare
from monitor.demo.generate import generate_district
from monitor.demo.scenario import Expect, Scenario, build_scenario
from monitor.demo.site import DemoSite

__all__ = ["DemoSite", "Expect", "Scenario", "build_scenario", "generate_district", "prepare"]
