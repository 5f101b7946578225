"""The fake-data generator's word lists: names, companies, titles, cities, domains, bad values.

Written for the generator alone; nothing here is shared with the matcher (whose own tables are in
``leadctl/services/dedupe/names.py``), so the benchmark's noise is not the matcher's knowledge.
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = words(
    """
Robert William Elizabeth Katherine Margaret Richard James John Michael Thomas Christopher Daniel
Matthew Anthony Joseph Charles Edward Jonathan Benjamin Nicholas Alexander Samuel Patrick Andrew
Timothy Stephen Steven Gregory Jeffrey Kenneth Ronald Donald Douglas Raymond Lawrence Frederick
Theodore Zachary Nathaniel Jacob Joshua Gerald Peter Philip Henry Vincent Walter Francis Leonard
Harold Russell Stanley Gabriel Oliver Maxwell Mitchell Victor Bradley Cameron Dominic Eugene
Jennifer Jessica Patricia Deborah Rebecca Victoria Christina Catherine Samantha Stephanie Pamela
Jacqueline Kimberly Alexandra Abigail Amanda Angela Barbara Caroline Cynthia Dorothy Eleanor
Emily Frances Gabrielle Isabella Josephine Judith Kathleen Madeline Melissa Michelle Natalie Nicole
Olivia Penelope Sandra Sophia Susan Theresa Valerie Virginia Evelyn Charlotte Julia Lillian
Mary Linda Sarah Karen Lisa Nancy Betty Helen Sandra Donna Carol Ruth Sharon Laura Amy Anna Emma
Grace Chloe Hannah Megan Lauren Rachel Heather Diane Joyce Kelly Christine Janet Maria Diana
Brian Kevin Jason Eric Scott Mark Paul Gary Larry Justin Brandon Ryan Aaron Adam Tyler Kyle Noah
Ethan Logan Dylan Connor Owen Caleb Isaac Evan Ian Sean Shane Derek Travis Trevor Wade Garrett
Priya Anjali Rohan Arjun Vikram Sanjay Deepa Kavya Rahul Neha Aditya Meera Wei Jing Li Mei Chen
Hiroshi Yuki Kenji Haruto Sakura Min-jun Seo-yeon Ji-woo Mohammed Ahmed Fatima Aisha Omar Yusuf
Layla Hassan Carlos Sofia Mateo Valentina Diego Camila Alejandro Lucia Javier Isabel Miguel Elena
Pablo Rosa Luis Ana Jorge Marta Olga Dmitri Ivan Natasha Sergei Anastasia Katya Lars Ingrid
Sven Astrid Nils Freya Erik Sigrid Kwame Amara Chidi Ngozi Tunde Zainab Kofi Abena Thabo Lerato
Giulia Marco Francesca Luca Chiara Matteo Pierre Camille Julien Amelie Louis Chantal Hans Greta
Klaus Anke Jurgen Lena Sean Siobhan Niamh Ciaran Aoife Declan Fionn Tomasz Agnieszka Piotr Zofia
Nguyen Thi Minh Anh Duc Linh Rafael Beatriz Tiago Ines Joao Leonor Yasmin Tariq Nadia Karim
Bernard Arthur Albert Archibald Harriet Matilda Beatrice Winifred Rosalind Clifford Curtis
Emmanuel Sebastian Tobias Wesley Howard Herbert Reginald Roger Rodney Martin Louise Yvonne
"""
)

LAST_NAMES = words(
    """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson
Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams
Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart
Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson
Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Powell Jenkins
Perry Russell Sullivan Fisher Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham
Wallace Cole West Hayes Gibson Ellis Stevens Murray Ford Marshall Owens McDonald Harrison Kennedy
Wells Alvarez Woods Mendoza Castillo Olson Webb Washington Tucker Freeman Burns Henry Vasquez
Snyder Simpson Crawford Jimenez Porter Mason Shaw Gordon Wagner Hunter Romero Hicks Dixon Hunt
Palmer Robertson Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice Moreno Schmidt Patel
Ferguson Nichols Herrera Medina Ryan Fernandez Weaver Daniels Stephens Gardner Payne Kelley Dunn
Pierce Arnold Tran Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott Cunningham
Knight Bradley Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres
Flores Rivera Gomez Diaz Nguyen Kim Park Lee Chen Wang Li Zhang Liu Yang Huang Zhao Wu Zhou Xu
Sun Ma Zhu Hu Guo Lin Tanaka Suzuki Watanabe Yamamoto Nakamura Kobayashi Sato Ito Shah Mehta
Sharma Singh Kumar Gupta Reddy Iyer Rao Desai Joshi Kapoor Malhotra Chowdhury Rahman Hussain Khan
Ahmed Ali Haddad Nasser Karimi Farouk Okafor Adeyemi Mensah Owusu Nkosi Mbeki Diallo Traore
O'Brien O'Connor O'Neill O'Sullivan MacDonald MacLeod McKenzie Fitzgerald Gallagher Doyle Byrne
Kowalski Nowak Wisniewski Novak Horvat Petrov Ivanov Smirnov Volkov Popov Sokolov Kuznetsov
Muller Schneider Fischer Weber Becker Schulz Koch Richter Klein Wolf Neumann Schwarz Zimmermann
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
Dubois Lefebvre Moreau Laurent Girard Bonnet Dupont Lambert Fontaine Rousseau Blanc Garnier
Silva Santos Oliveira Souza Costa Pereira Almeida Carvalho Ribeiro Ferreira Andersson Johansson
Larsson Nilsson Eriksson Lindqvist Hansen Jensen Nielsen Virtanen Korhonen Van-der-Berg De-Vries
Bakker Visser Smit Janssen Jansen Fletcher Whitaker Ashworth Pemberton Thornton Blackwood
Hargreaves Sutherland Llewellyn Davies Pritchard Vaughan Griffiths Morgan-Jones Smith-Taylor
"""
)

# Company names: <word> [<word>] <sector> <legal suffix>; base names are unique per run.
CO_WORDS = words(
    """
Acme Summit Apex Pinnacle Northwind Bluewater Harbor Redwood Ironclad Silverline Brightpath Clearview
Evergreen Granite Keystone Lighthouse Meridian Northstar Oakridge Pioneer Quantum Riverbend Sterling
Trident Vanguard Westbrook Horizon Cascade Beacon Crestline Everest Falcon Frontier Golden Highland
Juniper Kestrel Lakeshore Maple Nimbus Orchard Paragon Prairie Radiant Sequoia Skyline Stonebridge
Sunrise Tidewater Trailhead Unity Vertex Willow Zenith Atlas Aurora Bayside Blackstone Bluebird
Boulder Canyon Cedar Centennial Coastal Copper Cornerstone Crescent Crystal Delta Eagle Echo Elm
Ember Fairway Fieldstone Firefly Foxglove Gateway Glacier Greenleaf Hawthorne Heritage Hudson
Indigo Islandia Jade Kingsley Landmark Liberty Lumen Magnolia Mariner Millbrook Monarch Mosaic
Nautilus Oakmont Onyx Orion Osprey Pacific Patriot Peregrine Pinecrest Polaris Prism Quarry
Rainier Raven Ridgeway Rockwell Sapphire Shoreline Signal Silverton Spruce Starling Stonegate
Superior Sycamore Tandem Terra Thunderbird Timberline Titan Topaz Torchlight Trinity True Upland
Valor Velocity Verde Vista Wavecrest Whitehall Wildflower Windward Wolfpack Yellowstone
"""
)

CO_SECTORS = words(
    """
Logistics Analytics Health Systems Software Foods Capital Labs Partners Manufacturing Energy
Solutions Networks Robotics Pharma Media Consulting Logistics Freight Dynamics Technologies Data
Security Insurance Realty Materials Biotech Learning Retail Devices Cloud Payments Marketing
Engineering Construction Holdings Ventures Advisors Supply Medical Aerospace Apparel Brands Labs
Interactive Studios Outfitters Transport Instruments Works Foundry Digital Diagnostics Wireless
"""
)

LEGAL = {
    "US": ("Inc", "Inc.", "LLC", "Corp", "Corp.", "Co.", "Corporation", "Group"),
    "CA": ("Inc", "Inc.", "Ltd", "Ltd.", "Corp", "Limited"),
    "GB": ("Ltd", "Ltd.", "Limited", "PLC", "LLP", "GmbH"),
}

TITLES: dict[str, tuple[str, ...]] = {
    "VP Sales": ("Vice President of Sales", "VP, Sales", "VP of Sales", "Vice President, Sales"),
    "VP Marketing": ("Vice President of Marketing", "VP, Marketing", "VP of Marketing"),
    "Head of Marketing": ("Marketing Lead", "Head of Marketing & Growth", "Marketing Head"),
    "Head of Sales": ("Sales Lead", "Head, Sales"),
    "CFO": ("Chief Financial Officer", "C.F.O."),
    "CEO": ("Chief Executive Officer", "Founder & CEO", "Co-founder and CEO"),
    "COO": ("Chief Operating Officer",),
    "CTO": ("Chief Technology Officer", "Co-founder & CTO"),
    "CIO": ("Chief Information Officer",),
    "CMO": ("Chief Marketing Officer",),
    "CRO": ("Chief Revenue Officer",),
    "Director of Operations": ("Operations Director", "Dir. Operations", "Director, Operations"),
    "Director of IT": ("IT Director", "Director, Information Technology"),
    "Director of Procurement": ("Procurement Director", "Head of Procurement"),
    "Sales Manager": ("Manager, Sales", "Regional Sales Manager"),
    "Marketing Manager": ("Manager, Marketing", "Sr. Marketing Manager", "Senior Marketing Manager"),
    "Account Executive": ("AE", "Senior Account Executive", "Sr. Account Executive"),
    "Business Development Manager": ("BDM", "Business Development Mgr", "Manager, Business Development"),
    "Office Manager": ("Office Mgr", "Office Administrator"),
    "HR Manager": ("Human Resources Manager", "People Manager", "Manager, HR"),
    "Head of People": ("VP People", "Chief People Officer"),
    "Product Manager": ("Senior Product Manager", "PM", "Product Owner"),
    "Engineering Manager": ("Software Engineering Manager", "Eng Manager"),
    "Controller": ("Financial Controller", "Corporate Controller"),
    "Purchasing Manager": ("Buyer", "Purchasing Mgr", "Procurement Manager"),
    "Operations Manager": ("Ops Manager", "Manager, Operations"),
    "Owner": ("Owner/Operator", "Business Owner", "Founder"),
    "General Manager": ("GM", "Gen. Manager"),
    "Data Analyst": ("Senior Data Analyst", "Analyst, Data"),
    "IT Manager": ("Manager, IT", "Information Technology Manager"),
}
TITLE_KEYS = tuple(TITLES)

INDUSTRIES = (
    "Software",
    "Logistics & Supply Chain",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Construction",
    "Education",
    "Insurance",
    "Real Estate",
    "Telecommunications",
    "Media & Entertainment",
    "Hospitality",
    "Professional Services",
    "Energy & Utilities",
    "Biotechnology",
    "Automotive",
    "Food & Beverage",
    "Transportation",
    "Marketing & Advertising",
)

SOURCES = (
    ("Website", "WEB"),
    ("LinkedIn Ads", "LIA"),
    ("Google Ads", "GAD"),
    ("Webinar", "WBN"),
    ("Trade Show", "TSH"),
    ("Referral", "REF"),
    ("Content Download", "CDL"),
    ("Partner", "PTR"),
    ("Purchased List", "LST"),
    ("Facebook Ads", "FBA"),
)

# (city, state/province, country, area codes). US/CA: real NPAs serving the city. GB: real
# geographic codes without the trunk 0, with the length of the local number.
US_CA_CITIES: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("New York", "NY", "US", (212, 646, 917, 718, 347, 332)),
    ("Los Angeles", "CA", "US", (213, 310, 323, 424)),
    ("Chicago", "IL", "US", (312, 773, 872)),
    ("Houston", "TX", "US", (713, 281, 832)),
    ("Phoenix", "AZ", "US", (602, 480, 623)),
    ("Philadelphia", "PA", "US", (215, 267)),
    ("San Antonio", "TX", "US", (210, 726)),
    ("San Diego", "CA", "US", (619, 858)),
    ("Dallas", "TX", "US", (214, 469, 972)),
    ("Austin", "TX", "US", (512, 737)),
    ("San Jose", "CA", "US", (408, 669)),
    ("San Francisco", "CA", "US", (415, 628)),
    ("Seattle", "WA", "US", (206,)),
    ("Denver", "CO", "US", (303, 720)),
    ("Boston", "MA", "US", (617, 857)),
    ("Atlanta", "GA", "US", (404, 470, 678)),
    ("Miami", "FL", "US", (305, 786)),
    ("Minneapolis", "MN", "US", (612,)),
    ("Portland", "OR", "US", (503, 971)),
    ("Nashville", "TN", "US", (615, 629)),
    ("Charlotte", "NC", "US", (704, 980)),
    ("Raleigh", "NC", "US", (919, 984)),
    ("Columbus", "OH", "US", (614, 380)),
    ("Indianapolis", "IN", "US", (317,)),
    ("Detroit", "MI", "US", (313,)),
    ("Salt Lake City", "UT", "US", (801, 385)),
    ("Kansas City", "MO", "US", (816,)),
    ("St. Louis", "MO", "US", (314,)),
    ("Pittsburgh", "PA", "US", (412,)),
    ("Baltimore", "MD", "US", (410, 443)),
    ("Washington", "DC", "US", (202,)),
    ("Tampa", "FL", "US", (813,)),
    ("Orlando", "FL", "US", (407, 689)),
    ("Las Vegas", "NV", "US", (702, 725)),
    ("Sacramento", "CA", "US", (916,)),
    ("Cleveland", "OH", "US", (216,)),
    ("Milwaukee", "WI", "US", (414,)),
    ("New Orleans", "LA", "US", (504,)),
    ("Omaha", "NE", "US", (402,)),
    ("Richmond", "VA", "US", (804,)),
    ("Boise", "ID", "US", (208,)),
    ("Albuquerque", "NM", "US", (505,)),
    ("Louisville", "KY", "US", (502,)),
    ("Cincinnati", "OH", "US", (513,)),
    ("Irvine", "CA", "US", (949,)),
    ("Palo Alto", "CA", "US", (650,)),
    ("Stamford", "CT", "US", (203,)),
    ("Jersey City", "NJ", "US", (201,)),
    ("Newark", "NJ", "US", (973,)),
    ("Toronto", "ON", "CA", (416, 647, 437)),
    ("Mississauga", "ON", "CA", (905, 289)),
    ("Ottawa", "ON", "CA", (613, 343)),
    ("Montreal", "QC", "CA", (514, 438)),
    ("Quebec City", "QC", "CA", (418, 581)),
    ("Vancouver", "BC", "CA", (604, 778)),
    ("Calgary", "AB", "CA", (403, 587, 825)),
    ("Edmonton", "AB", "CA", (780, 587)),
    ("Winnipeg", "MB", "CA", (204, 431)),
    ("Halifax", "NS", "CA", (902, 782)),
    ("Waterloo", "ON", "CA", (519, 226)),
    ("Saskatoon", "SK", "CA", (306, 639)),
    ("Victoria", "BC", "CA", (250,)),
)

GB_CITIES: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    ("London", "Greater London", "GB", (("20", 8),)),
    ("Manchester", "Greater Manchester", "GB", (("161", 7),)),
    ("Birmingham", "West Midlands", "GB", (("121", 7),)),
    ("Leeds", "West Yorkshire", "GB", (("113", 7),)),
    ("Glasgow", "Scotland", "GB", (("141", 7),)),
    ("Edinburgh", "Scotland", "GB", (("131", 7),)),
    ("Liverpool", "Merseyside", "GB", (("151", 7),)),
    ("Bristol", "Bristol", "GB", (("117", 7),)),
    ("Sheffield", "South Yorkshire", "GB", (("114", 7),)),
    ("Newcastle upon Tyne", "Tyne and Wear", "GB", (("191", 7),)),
    ("Nottingham", "Nottinghamshire", "GB", (("115", 7),)),
    ("Cardiff", "Wales", "GB", (("29", 8),)),
    ("Belfast", "Northern Ireland", "GB", (("28", 8),)),
    ("Cambridge", "Cambridgeshire", "GB", (("1223", 6),)),
    ("Oxford", "Oxfordshire", "GB", (("1865", 6),)),
    ("Reading", "Berkshire", "GB", (("118", 7),)),
    ("Brighton", "East Sussex", "GB", (("1273", 6),)),
    ("Southampton", "Hampshire", "GB", (("23", 8),)),
)

COUNTRY_NAMES = {
    "US": ("United States", "United States", "US", "USA"),
    "CA": ("Canada", "Canada", "CA"),
    "GB": ("United Kingdom", "United Kingdom", "UK", "GB"),
}
TLDS = {
    "US": (".com", ".com", ".com", ".io", ".co", ".net"),
    "CA": (".ca", ".com", ".com"),
    "GB": (".co.uk", ".co.uk", ".com", ".io"),
}
REGION_WEIGHT = {"US": 7.0, "CA": 1.5, "GB": 1.5}
PERSONAL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
)
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
BAD_EMAILS = ("not-an-email", "{f}.{l}@", "{f} {l}@{d}", "{f}.{l}@{host}", "{f}.{l}at{d}", "n/a", "-")
BAD_PHONES = ("123", "555-12", "0000000000", "n/a", "12345", "+1 (000) 000-0000", "call me")


# The generator's own table of diminutives and short forms, written for it (not taken from
# the matcher's list in services/dedupe/names.py): a benchmark whose noise came from the
# matcher's tables would flatter the matcher. It deliberately includes forms a matcher may
# not know (Liam for William, Topher, Xander, Dima, Nastya …), as real data does.
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    "robert": ("Bob", "Bobby", "Rob", "Robbie", "Bert"),
    "william": ("Bill", "Billy", "Will", "Willie", "Liam"),
    "elizabeth": ("Liz", "Lizzie", "Beth", "Betsy", "Eliza", "Libby", "Betty"),
    "katherine": ("Kate", "Kathy", "Katie", "Kat", "Kay"),
    "margaret": ("Maggie", "Meg", "Peggy", "Marge"),
    "richard": ("Rick", "Ricky", "Dick", "Rich", "Richie"),
    "james": ("Jim", "Jimmy", "Jamie"),
    "john": ("Jack", "Johnny"),
    "michael": ("Mike", "Mikey", "Mick", "Mickey"),
    "thomas": ("Tom", "Tommy"),
    "christopher": ("Chris", "Kit", "Topher"),
    "daniel": ("Dan", "Danny"),
    "matthew": ("Matt", "Matty"),
    "anthony": ("Tony", "Ant"),
    "joseph": ("Joe", "Joey"),
    "charles": ("Charlie", "Chuck", "Chaz"),
    "edward": ("Ed", "Eddie", "Ted", "Ned"),
    "jonathan": ("Jon", "Jonny"),
    "benjamin": ("Ben", "Benny", "Benji"),
    "nicholas": ("Nick", "Nicky", "Nico"),
    "alexander": ("Alex", "Al", "Sasha", "Xander"),
    "samuel": ("Sam", "Sammy"),
    "patrick": ("Pat", "Paddy"),
    "andrew": ("Andy", "Drew"),
    "timothy": ("Tim", "Timmy"),
    "stephen": ("Steve", "Stevie"),
    "steven": ("Steve", "Stevie"),
    "gregory": ("Greg",),
    "jeffrey": ("Jeff",),
    "kenneth": ("Ken", "Kenny"),
    "ronald": ("Ron", "Ronnie"),
    "donald": ("Don", "Donnie"),
    "douglas": ("Doug",),
    "raymond": ("Ray",),
    "lawrence": ("Larry", "Laurie"),
    "frederick": ("Fred", "Freddie"),
    "theodore": ("Ted", "Teddy", "Theo"),
    "zachary": ("Zach", "Zack"),
    "nathaniel": ("Nate", "Nat", "Nathan"),
    "jacob": ("Jake",),
    "joshua": ("Josh",),
    "gerald": ("Gerry", "Jerry"),
    "peter": ("Pete",),
    "philip": ("Phil",),
    "henry": ("Hank", "Harry", "Hal"),
    "vincent": ("Vince", "Vinny"),
    "walter": ("Walt", "Wally"),
    "francis": ("Frank", "Frankie"),
    "leonard": ("Leo", "Len", "Lenny"),
    "harold": ("Harry", "Hal"),
    "russell": ("Russ",),
    "stanley": ("Stan",),
    "gabriel": ("Gabe",),
    "oliver": ("Ollie",),
    "maxwell": ("Max",),
    "mitchell": ("Mitch",),
    "victor": ("Vic",),
    "bradley": ("Brad",),
    "cameron": ("Cam",),
    "dominic": ("Dom",),
    "eugene": ("Gene",),
    "jennifer": ("Jen", "Jenny"),
    "jessica": ("Jess", "Jessie"),
    "patricia": ("Pat", "Patty", "Trish"),
    "deborah": ("Deb", "Debbie"),
    "rebecca": ("Becky", "Becca"),
    "victoria": ("Vicky", "Tori"),
    "christina": ("Chris", "Tina", "Chrissy"),
    "catherine": ("Cathy", "Kate", "Cat"),
    "samantha": ("Sam", "Sammie"),
    "stephanie": ("Steph",),
    "pamela": ("Pam",),
    "jacqueline": ("Jackie",),
    "kimberly": ("Kim",),
    "alexandra": ("Alex", "Lexi", "Sasha"),
    "abigail": ("Abby", "Gail"),
    "amanda": ("Mandy",),
    "angela": ("Angie",),
    "barbara": ("Barb", "Babs"),
    "caroline": ("Carrie", "Caro"),
    "cynthia": ("Cindy",),
    "dorothy": ("Dot", "Dottie"),
    "eleanor": ("Ellie", "Nell", "Nora"),
    "emily": ("Em", "Emmy"),
    "frances": ("Fran", "Frankie"),
    "gabrielle": ("Gabby", "Elle"),
    "isabella": ("Bella", "Izzy"),
    "josephine": ("Jo", "Josie"),
    "judith": ("Judy",),
    "kathleen": ("Kathy", "Kath"),
    "madeline": ("Maddie",),
    "melissa": ("Mel", "Missy"),
    "michelle": ("Shelly",),
    "natalie": ("Nat",),
    "nicole": ("Nicky", "Nikki"),
    "olivia": ("Liv", "Livvy"),
    "penelope": ("Penny",),
    "sandra": ("Sandy",),
    "sophia": ("Sophie",),
    "susan": ("Sue", "Suzy"),
    "theresa": ("Tess", "Terri"),
    "valerie": ("Val",),
    "virginia": ("Ginny",),
    "evelyn": ("Evie",),
    "charlotte": ("Charlie", "Lottie"),
    "julia": ("Jules",),
    "lillian": ("Lily",),
    "mary": ("Molly", "Polly"),
    "helen": ("Nell",),
    "anastasia": ("Stacy", "Nastya"),
    "natasha": ("Tasha",),
    "dmitri": ("Dima",),
    "ivan": ("Vanya",),
    "alejandro": ("Alex", "Ale"),
    "francesca": ("Fran", "Franca"),
    "emmanuel": ("Manny",),
    "sebastian": ("Seb", "Bas"),
    "tobias": ("Toby",),
    "wesley": ("Wes",),
    "howard": ("Howie",),
    "herbert": ("Herb", "Bert"),
    "reginald": ("Reg", "Reggie"),
    "roger": ("Rog",),
    "rodney": ("Rod",),
    "martin": ("Marty",),
    "louise": ("Lou",),
    "bernard": ("Bernie",),
    "arthur": ("Art", "Artie"),
    "albert": ("Al", "Bert"),
    "archibald": ("Archie",),
    "harriet": ("Hattie",),
    "matilda": ("Tilly", "Mattie"),
    "beatrice": ("Bea", "Trixie"),
    "winifred": ("Winnie",),
    "rosalind": ("Ros", "Roz"),
    "clifford": ("Cliff",),
    "curtis": ("Curt",),
    "isabel": ("Izzy",),
    "mohammed": ("Mo",),
}
