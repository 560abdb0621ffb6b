"""County Durham postcode districts and the former district each mostly lies in.

Source: Royal Mail postcode districts as published on Wikipedia's "DH", "DL", "SR", "TS" and "NE"
postcode area pages (read 2026), matched to the seven districts County Durham had before it became
a unitary authority in 2009 (Chester-le-Street, Derwentside, Durham, Easington, Sedgefield,
Teesdale, Wear Valley), which people still use to say where in the county they are.
Districts marked partial straddle the county boundary: staff are asked to check the address.
"""

AREAS = [
    "Chester-le-Street",
    "Derwentside",
    "Durham",
    "Easington",
    "Sedgefield",
    "Teesdale",
    "Wear Valley",
]

# district -> (area, wholly inside County Durham)
DISTRICTS: dict[str, tuple[str, bool]] = {
    "DH1": ("Durham", True),
    "DH2": ("Chester-le-Street", True),
    "DH3": ("Chester-le-Street", False),
    "DH4": ("Chester-le-Street", False),
    "DH5": ("Easington", False),
    "DH6": ("Durham", True),
    "DH7": ("Durham", True),
    "DH8": ("Derwentside", True),
    "DH9": ("Derwentside", True),
    "DL2": ("Teesdale", False),
    "DL4": ("Sedgefield", True),
    "DL5": ("Sedgefield", True),
    "DL12": ("Teesdale", True),
    "DL13": ("Wear Valley", True),
    "DL14": ("Wear Valley", True),
    "DL15": ("Wear Valley", True),
    "DL16": ("Sedgefield", True),
    "DL17": ("Sedgefield", True),
    "NE17": ("Derwentside", False),
    "SR7": ("Easington", True),
    "SR8": ("Easington", True),
    "TS21": ("Sedgefield", False),
    "TS27": ("Easington", False),
    "TS28": ("Easington", True),
    "TS29": ("Sedgefield", True),
}
