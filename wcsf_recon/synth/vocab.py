"""Word lists the synthetic world draws from: names, places, companies, marketing channels."""

from __future__ import annotations

FIRST_NAMES = (
    "James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter "
    "Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan "
    "Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie "
    "Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela "
    "Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather "
    "Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith "
    "Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn "
    "Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn "
    "Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie Dana Zoe "
    "José Zoë Renée Chloé Siobhan Aoife Priya Wei Mohammed Fatima Dmitri Søren Łukasz"
).split()

NICKNAMES = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Richard": ("Rick", "Dick", "Rich"),
    "Michael": ("Mike",),
    "James": ("Jim", "Jimmy"),
    "Joseph": ("Joe",),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Anthony": ("Tony",),
    "Elizabeth": ("Liz", "Beth", "Betsy"),
    "Katherine": ("Kate", "Kathy"),
    "Jennifer": ("Jen", "Jenny"),
    "Margaret": ("Peggy", "Maggie"),
    "Patricia": ("Pat", "Patty"),
    "Deborah": ("Deb", "Debbie"),
    "Susan": ("Sue",),
    "Steven": ("Steve",),
    "Edward": ("Ed", "Eddie"),
    "Timothy": ("Tim",),
    "Kenneth": ("Ken",),
    "Samuel": ("Sam",),
    "Matthew": ("Matt",),
    "Andrew": ("Andy", "Drew"),
    "Benjamin": ("Ben",),
    "Nicholas": ("Nick",),
    "Alexander": ("Alex",),
    "Gregory": ("Greg",),
    "Jonathan": ("Jon",),
    "Rebecca": ("Becky",),
    "Victoria": ("Vicky",),
    "Abigail": ("Abby",),
    "Pamela": ("Pam",),
}

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns "
    "Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt "
    "Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer "
    "Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott "
    "Whitfield García Muñoz Pérez O'Brien O'Neil Nuñez Peña Müller Sørensen Kowalski Nakamura "
    "Okafor Singh Haddad Ivanova Lindqvist Byrne Fitzgerald Van-Der-Berg Smith-Jones"
).split()

US_PLACES = (
    ("Charlotte", "NC", "282", ("704", "980")),
    ("Raleigh", "NC", "276", ("919", "984")),
    ("Atlanta", "GA", "303", ("404", "678", "470")),
    ("Austin", "TX", "787", ("512", "737")),
    ("Dallas", "TX", "752", ("214", "469", "972")),
    ("Houston", "TX", "770", ("713", "281", "832")),
    ("Phoenix", "AZ", "850", ("602", "480", "623")),
    ("Denver", "CO", "802", ("303", "720")),
    ("Chicago", "IL", "606", ("312", "773", "872")),
    ("Columbus", "OH", "432", ("614", "380")),
    ("Nashville", "TN", "372", ("615", "629")),
    ("Tampa", "FL", "336", ("813", "656")),
    ("Orlando", "FL", "328", ("407", "321")),
    ("Seattle", "WA", "981", ("206", "425")),
    ("Portland", "OR", "972", ("503", "971")),
    ("San Diego", "CA", "921", ("619", "858")),
    ("Sacramento", "CA", "958", ("916", "279")),
    ("Boston", "MA", "021", ("617", "857")),
    ("Philadelphia", "PA", "191", ("215", "267")),
    ("New York", "NY", "100", ("212", "646", "917")),
    ("Minneapolis", "MN", "554", ("612", "952")),
    ("Kansas City", "MO", "641", ("816",)),
    ("Salt Lake City", "UT", "841", ("801", "385")),
    ("Richmond", "VA", "232", ("804",)),
)
CA_PLACES = (
    ("Toronto", "ON", "M5V", ("416", "647")),
    ("Vancouver", "BC", "V6B", ("604", "778")),
    ("Ottawa", "ON", "K1P", ("613",)),
    ("Calgary", "AB", "T2P", ("403", "587")),
)
GB_PLACES = (("London", "", "SW1A", ("20",)), ("Manchester", "", "M1", ("161",)), ("Leeds", "", "LS1", ("113",)))

COUNTRY_SPELLINGS = {
    "US": ("US", "USA", "United States", "United States", "US", ""),
    "CA": ("CA", "Canada", "Canada"),
    "GB": ("GB", "UK", "United Kingdom", "England"),
}

COMPANY_WORDS = (
    "Acme Summit Blue Ridge Pioneer Keystone Harbor Evergreen Granite Liberty Northstar Atlas "
    "Crescent Redwood Ironwood Silverline Bright Horizon Cardinal Beacon Frontier Heritage Patriot "
    "Riverbend Lakeside Oakmont Sterling Titan Vanguard Westfield"
).split()
COMPANY_KINDS = (
    "Plumbing",
    "Roofing",
    "Dental",
    "Law Group",
    "HVAC",
    "Realty",
    "Builders",
    "Landscaping",
    "Insurance",
    "Auto Repair",
    "Electric",
    "Solar",
    "Cleaning Services",
    "Medical Spa",
)
COMPANY_SUFFIXES = ("LLC", "Inc.", "Co.", "", "", "Group")

EMAIL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "comcast.net",
)
DOMAIN_TYPOS = {
    "gmail.com": ("gmial.com", "gmail.con", "gmal.com"),
    "yahoo.com": ("yaho.com", "yahoo.co"),
    "hotmail.com": ("hotmial.com", "hotmail.co"),
    "outlook.com": ("outlok.com",),
    "icloud.com": ("icloud.co",),
    "aol.com": ("aol.co",),
    "comcast.net": ("comcast.com",),
}

# (lead_source, lead_medium, campaigns, weight)
CHANNELS = (
    ("google", "cpc", ("Brand - Search", "Services - Search", "Emergency - Search", "PMax - Local"), 0.34),
    ("google", "organic", (None,), 0.22),
    ("(direct)", "(none)", (None,), 0.14),
    ("bing", "cpc", ("Brand - Bing", "Services - Bing"), 0.06),
    ("facebook", "paid_social", ("Spring Promo", "Retargeting", "Lookalike - Homeowners"), 0.1),
    ("yelp", "referral", (None,), 0.05),
    ("google", "local", ("GBP Listing",), 0.06),
    ("newsletter", "email", ("Monthly Newsletter", "Seasonal Offer"), 0.03),
)
KEYWORDS = (
    "emergency plumber",
    "water heater repair",
    "tankless water heater install",
    "drain cleaning",
    "plumber near me",
    "leak detection",
    "sewer line repair",
    "bathroom remodel",
    "brand name",
    "24 hour plumber",
    "garbage disposal repair",
    "repipe cost",
)
SPAM_NAMES = ("asdf asdf", "SEO Services", "test test", "Crypto Offer", "qwerty", "Web Design Pro")
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review")

# ---- kinds of mess found in accounts outside the project (see outside.py) -----------------
# Nicknames that do not share the full name's initial: blocking on the first initial misses them.
NICKNAMES_OTHER_INITIAL = {
    "William": ("Bill", "Billy"),
    "Robert": ("Bob", "Bobby"),
    "Richard": ("Dick",),
    "Margaret": ("Peggy",),
    "Edward": ("Ted", "Ned"),
    "Henry": ("Hank",),
    "Charles": ("Chuck",),
    "Mary": ("Polly", "Molly"),
    "Sarah": ("Sally", "Sadie"),
    "Elizabeth": ("Betty", "Liz", "Beth", "Libby"),
    "Anthony": ("Tony",),
    "Alexander": ("Sandy",),
    "Rebecca": ("Becky",),
    "Patricia": ("Trish", "Tricia"),
    "Virginia": ("Ginny",),
    "Albert": ("Bert",),
    "Gerald": ("Jerry",),
    "Victoria": ("Tori",),
    "Abigail": ("Gail",),
    "Christopher": ("Kit",),
    "Christina": ("Tina",),
    "Christine": ("Tina",),
    "Isabella": ("Bella",),
    "Martha": ("Patsy",),
    "Dorothy": ("Dolly",),
    "Catherine": ("Kate", "Kay"),
    "Olivia": ("Liv",),
    "Helen": ("Nell",),
}

# Towns next to each metro that carriers name as a caller's rate centre; many are also surnames.
NEIGHBOUR_TOWNS = {
    "Charlotte": ("Matthews", "Huntersville", "Cornelius", "Mint Hill"),
    "Raleigh": ("Cary", "Apex", "Garner", "Wake Forest"),
    "Atlanta": ("Marietta", "Decatur", "Roswell", "Smyrna"),
    "Austin": ("Round Rock", "Pflugerville", "Georgetown"),
    "Dallas": ("Garland", "Irving", "Mesquite", "Plano"),
    "Houston": ("Pasadena", "Katy", "Humble", "Spring"),
    "Phoenix": ("Mesa", "Tempe", "Chandler", "Glendale"),
    "Denver": ("Aurora", "Lakewood", "Arvada", "Littleton"),
    "Chicago": ("Evanston", "Cicero", "Oak Park", "Skokie"),
    "Columbus": ("Dublin", "Westerville", "Hilliard"),
    "Nashville": ("Franklin", "Brentwood", "Antioch"),
    "Tampa": ("Brandon", "Clearwater", "Riverview"),
    "Orlando": ("Kissimmee", "Sanford", "Winter Park"),
    "Seattle": ("Bellevue", "Kent", "Renton", "Everett"),
    "Portland": ("Gresham", "Beaverton", "Hillsboro"),
    "San Diego": ("Chula Vista", "La Mesa", "Escondido"),
    "Sacramento": ("Roseville", "Elk Grove", "Folsom"),
    "Boston": ("Quincy", "Newton", "Cambridge", "Brookline"),
    "Philadelphia": ("Camden", "Cheltenham", "Upper Darby"),
    "New York": ("Yonkers", "Bronx", "Brooklyn", "Queens"),
    "Minneapolis": ("Edina", "Bloomington", "Richfield"),
    "Kansas City": ("Independence", "Overland Park", "Lees Summit"),
    "Salt Lake City": ("Sandy", "Murray", "West Jordan", "Draper"),
    "Richmond": ("Henrico", "Chesterfield", "Midlothian"),
    "Toronto": ("Etobicoke", "Scarborough", "Mississauga"),
    "Vancouver": ("Burnaby", "Richmond", "Surrey"),
    "Ottawa": ("Kanata", "Nepean", "Orleans"),
    "Calgary": ("Airdrie", "Cochrane", "Okotoks"),
}
# Made-up town names built from personal names, as carrier databases and test data are full of.
TOWN_PATTERNS = (
    "{}VILLE",
    "{}MOUTH",
    "{}BURGH",
    "EAST {}",
    "NORTH {}",
    "PORT {}",
    "LAKE {}",
    "NEW {}",
    "{}TON",
    "{}FORT",
)
TERRITORY_CODES = ("PW", "GU", "PR", "VI", "AS", "MP", "FM", "MH")
# Sound-alike spellings people and reps write: (written, heard as)
PHONETIC_SWAPS = (
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("c", "k"),
    ("k", "c"),
    ("ie", "y"),
    ("y", "ie"),
    ("ei", "ie"),
    ("ie", "ei"),
    ("z", "s"),
    ("s", "z"),
    ("ou", "ow"),
    ("ee", "ea"),
    ("ll", "l"),
    ("tt", "t"),
    ("nn", "n"),
    ("son", "sen"),
    ("sen", "son"),
    ("er", "ar"),
    ("ey", "y"),
    ("th", "t"),
    ("gh", ""),
    ("w", "v"),
    ("x", "ks"),
    ("i", "y"),
)
