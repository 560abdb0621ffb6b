"""The Charter's text: what a signatory commits to."""

# The Statement of Intent's six commitments (Durham County Council, 23 October 2023).
COMMITMENTS = [
    ("collaborate", "Collaborate proactively",
     "We will share ideas and learn from each other's experience and best practice in social "
     "value."),
    ("involve", "Involve and empower stakeholders",
     "We will hear the concerns and ideas of community members and other stakeholders across "
     "the public, private and third sectors."),
    ("transparent", "Be transparent and accountable",
     "We will share what we intend to do and why, plus how we are progressing, so you can hold "
     "us accountable."),
    ("embed", "Embed relevant processes",
     "We will develop suitable processes to ensure high quality delivery and to meet the "
     "project's objectives."),
    ("local_needs", "Respond to local needs",
     "We will ensure that our social value activities address local needs and priorities "
     "wherever possible."),
    ("track", "Track, report, learn and improve",
     "We will track and report what we are all doing using a consistent framework so that we "
     "can drive continuous improvement."),
]
