"""The made-up data the synthetic participants are drawn from: centres' countries, audiences'
weights, names and courses.
"""

from __future__ import annotations

#: countries each centre serves (its host country first, which weighs most)
CENTRE_COUNTRIES = {
    "bccc-nigeria": ["NG", "GH", "CM", "KE", "ET"],
    "bcrc-scrc-senegal": ["SN", "CI", "ML", "BF", "GN", "BJ", "TG", "NE", "MA", "TN"],
    "bcrc-scrc-south-africa": ["ZA", "BW", "NA", "ZM", "ZW", "MW", "MZ", "KE", "UG", "TZ"],
    "bcrc-egypt": ["EG", "JO", "LB", "SA", "SD", "OM"],
    "bcrc-scrc-china": ["CN", "MN", "KR", "VN", "LA", "KH"],
    "bcrc-south-east-asia": ["ID", "MY", "TH", "PH", "SG"],
    "bcrc-scrc-iran": ["IR", "AF", "PK", "TJ"],
    "bcrc-slovakia": ["SK", "PL", "HU", "CZ", "RO", "BG"],
    "bcrc-scrc-russia": ["RU", "KZ", "BY", "AM", "KG"],
    "bccc-scrc-uruguay": ["UY", "PY", "BO", "CL"],
    "bcrc-argentina": ["AR", "CL", "PE", "EC"],
    "bcrc-central-america": ["SV", "GT", "HN", "NI", "CR", "MX"],
    "bcrc-caribbean": ["TT", "JM", "BB", "BS", "GY", "LC"],
    "bcrc-pacific": ["WS", "FJ", "TO", "VU", "PG"],
    "scrc-algeria": ["DZ", "TN", "MA", "LY"],
    "scrc-brazil": ["BR", "PT", "AO", "MZ"],
    "scrc-czech-republic": ["CZ", "SK", "UA", "MD", "GE"],
    "scrc-kuwait": ["KW", "BH", "QA", "AE", "IQ"],
    "scrc-mexico": ["MX", "CO", "VE", "CU"],
    "scrc-panama": ["PA", "DO", "HT", "CR"],
    "scrc-spain": ["ES", "MA", "EC", "PE"],
}


AUDIENCE_WEIGHTS = {
    "customs-officer": 30, "enforcement-officer": 15, "basel-competent-authority": 8,
    "basel-focal-point": 3, "rotterdam-focal-point": 3, "stockholm-focal-point": 3,
    "rotterdam-dna": 5, "nip-official": 8, "regional-centre-staff": 3, "industry": 10,
    "ngo": 8, "other": 4,
}


FIRST_NAMES = [
    "Aminata", "Moussa", "Fatou", "Ibrahima", "Awa", "Ousmane", "Mariam", "Cheikh", "Nadia",
    "Chen", "Li", "Wei", "Olga", "Dmitri", "Ana", "José", "María", "Luis", "Amina", "Kwame",
    "Thandi", "Sipho", "Priya", "Ahmed", "Layla", "Omar", "Sofia", "Mateo", "Ngozi", "Tendai",
    "Hana", "Yusuf", "Elena", "Pavel", "Camila", "Diego", "Aroha", "Sione", "Leilani", "Karim",
]


LAST_NAMES = [
    "Diallo", "Ndiaye", "Traoré", "Sow", "Diop", "Ba", "Keita", "Mensah", "Okafor", "Mokoena",
    "Naidoo", "Wang", "Zhang", "Liu", "Ivanova", "Petrov", "García", "Rodríguez", "Silva",
    "Santos", "Haddad", "Mansour", "Khan", "Hosseini", "Novák", "Kowalska", "Tuilagi", "Fifita",
    "Baptiste", "Persaud", "Hernández", "López", "Mwangi", "Banda", "Nguyen", "Suzuki",
]


SYNTHETIC_COURSES = [
    ("synthetic-illegal-traffic", "Preventing and combating illegal traffic of hazardous wastes",
     "basel", ["customs-officer", "enforcement-officer", "basel-competent-authority"]),
    ("synthetic-pic-procedure", "The prior informed consent procedure for chemicals",
     "rotterdam", ["rotterdam-dna", "rotterdam-focal-point", "customs-officer"]),
    ("synthetic-pops-inventory", "Inventories of persistent organic pollutants",
     "stockholm", ["nip-official", "stockholm-focal-point", "industry"]),
    ("synthetic-e-waste", "Environmentally sound management of e-waste",
     "basel", ["industry", "ngo", "basel-competent-authority"]),
    ("synthetic-plastic-waste", "The plastic waste amendments",
     "basel", ["customs-officer", "industry", "ngo", "other"]),
]
