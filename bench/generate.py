"""A synthetic GAO CSV export of N recommendations, in GAO's format (own words)."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

AGENCIES = ["Department of Example Affairs", "Office of Sample Programs", "Bureau of Test Data",
            "Centers for Demonstration &amp; Pilot Services", "Department of Illustration",
            "Agency for Placeholder Development", "United States Mock Service", "Office of Fixture Management"]
TOPICS = ["Homeland Security", "Health Care", "Information Technology", "Financial Management", "Defense"]
WORDS = ("oversight grants tariffs exclusions duties guidance controls training privacy cybersecurity "
         "acquisition hiring workforce inventory payments audits metrics contracts logistics records "
         "inspection facilities vehicles satellites vaccines bridges water energy housing loans").split()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
PROMISE = ["{ag} estimated that the review would be complete by {m} {y}.",
           "{ag} anticipates completing these actions by {m} {y}.",
           "Officials said they plan to finish the work by the end of fiscal year {y}.",
           "The agency expects to issue the guidance in the second quarter of fiscal year {y}."]
FILLER = ["{ag} agreed with this recommendation.",
          "When we confirm what actions the agency has taken in response to this recommendation, we will provide "
          "updated information.",
          "In {m} {y0}, {ag} stated that work on the {w} plan was under way and being reviewed internally.",
          "As of {m} {y0}, the recommendation remains open.",
          "We will continue to monitor the agency's efforts on {w} and {w2}."]


def comment(rng: random.Random, promise: bool) -> str:
    ag = "the agency"
    parts = [rng.choice(FILLER).format(ag=ag, m=rng.choice(MONTHS), y0=rng.randint(2019, 2025),
                                       w=rng.choice(WORDS), w2=rng.choice(WORDS)) for _ in range(rng.randint(2, 5))]
    if promise:
        parts.insert(rng.randint(1, len(parts)), rng.choice(PROMISE).format(
            ag=ag, m=rng.choice(MONTHS), y=rng.randint(2020, 2029)))
    return " ".join(parts)


def export(n: int, seed: int = 7, promise_share: float = 0.35) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write('"Title: Download of GAO Recommendation Results",,,,,,,\n"Prepared by: GAO",,,,,,,\n'
              '"Source: GAO recommendations database, status as of Nov 1, 2026 at 9:00 AM EST" ,,,,,,,\n'
              ',,,,,,,,\n,,,,,,,,\n')
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Publication Name", "Publication  Number", "Date Publication Issued", "Director Name",
                "Director Phone", "Agency", "Recommendation", "Status", "Priority", "Comments", "Topics"])
    i = 0
    report = 0
    while i < n:
        report += 1
        words = rng.sample(WORDS, 4)
        title = (f"{words[0].title()} and {words[1].title()}: "
                 f"Agencies Should Improve {words[2].title()} {words[3].title()}")
        number = f"GAO-{rng.randint(16, 26)}-{100000 + report}"
        issued = date(2016, 1, 1) + timedelta(days=rng.randint(0, 3900))
        for k in range(1, min(rng.randint(1, 6), n - i) + 1):
            agency = rng.choice(AGENCIES)
            section = f" under Section {rng.randint(100, 999)}" if rng.random() < 0.1 else ""
            text = (f"The head of the {agency.replace('&amp;', '&')} should strengthen {rng.choice(WORDS)} for "
                    f"{rng.choice(WORDS)} and report on {rng.choice(WORDS)}{section}. (Recommendation {k})")
            status = "Open" if rng.random() < 0.85 else "Open--Partially Addressed"
            w.writerow([title, number, issued.strftime("%b %d, %Y").replace(" 0", " "), "A. Director",
                        "(202) 512-0000", agency, text, status, "Yes" if rng.random() < 0.08 else "No",
                        comment(rng, rng.random() < promise_share), rng.choice(TOPICS)])
            i += 1
    return out.getvalue().encode()


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.buffer.write(export(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
