/*
 * pt_usergen_words.c -- the word lists behind pt_usergen: given and family
 * names, street names and kinds, town names and US state codes.
 *
 * Written for this project (common names and ordinary words, no list
 * copied from elsewhere).  Each list ends with NULL; pt_usergen counts
 * them once.  A few names carry an apostrophe, a hyphen or a letter
 * outside ASCII, so that generated files exercise quoting, escaping and
 * UTF-8 on their way through an import; usernames and email addresses
 * are made from their ASCII letters (pt_usergen.c folds the accented
 * ones).  Changing a list changes what every seed generates: the
 * generator's version (PT_USERGEN_VERSION) must change with it.
 */
#include <stddef.h>

#include "pt_usergen_int.h"

/* given names (417) */
const char *const pt_ug_first[] = {
    "Aaron", "Abigail", "Adam", "Adele", "Adrian", "Agnes", "Aidan",
    "Aisha", "Alan", "Albert", "Alden", "Alejandro", "Alexander", "Alexis",
    "Alfred", "Alice", "Alicia", "Alina", "Allison", "Alma", "Amanda",
    "Amara", "Amber", "Amelia", "Amir", "Amy", "Ana", "Andrea", "Andrew",
    "Angela", "Anita", "Ann", "Anna", "Anne", "Anthony", "Antonio",
    "Arthur", "Asha", "Ashley", "Astrid", "Audrey", "Austin", "Ava",
    "Barbara", "Beatrice", "Ben", "Benjamin", "Bernard", "Bethany",
    "Beverly", "Bianca", "Blake", "Bonnie", "Boris", "Bradley", "Brandon",
    "Brenda", "Brian", "Bridget", "Brooke", "Bruce", "Bruno", "Caleb",
    "Calvin", "Camila", "Carl", "Carla", "Carlos", "Carmen", "Carol",
    "Caroline", "Carter", "Cassandra", "Catherine", "Cecilia", "Celeste",
    "Chad", "Charles", "Charlotte", "Chelsea", "Chen", "Chloe", "Christian",
    "Christina", "Christopher", "Clara", "Claire", "Claude", "Clifford",
    "Colin", "Connor", "Constance", "Cora", "Craig", "Crystal", "Cynthia",
    "Daisy", "Dale", "Dana", "Daniel", "Daniela", "Daphne", "Darius",
    "Darren", "David", "Dean", "Deborah", "Delia", "Denise", "Dennis",
    "Derek", "Diana", "Diego", "Dmitri", "Dolores", "Dominic", "Donald",
    "Donna", "Dora", "Dorothy", "Douglas", "Dylan", "Edgar", "Edith",
    "Edward", "Edwin", "Eileen", "Elaine", "Eleanor", "Elena", "Eli",
    "Elijah", "Elisa", "Eliza", "Ella", "Ellen", "Elliot", "Eloise", "Emil",
    "Emily", "Emma", "Enzo", "Eric", "Erica", "Erin", "Ernest", "Esther",
    "Ethan", "Eugene", "Eva", "Evan", "Evelyn", "Fabian", "Faith", "Farah",
    "Felix", "Fern", "Fiona", "Frances", "Francis", "Frank", "Freya",
    "Gabriel", "Gabriela", "Gail", "Gareth", "George", "Georgia", "Gerald",
    "Gilbert", "Gina", "Giovanni", "Gloria", "Gordon", "Grace", "Graham",
    "Grant", "Gregory", "Greta", "Gustav", "Hana", "Hannah", "Harold",
    "Harriet", "Harry", "Hazel", "Heather", "Hector", "Helen", "Henry",
    "Hilda", "Holly", "Hugo", "Ian", "Ida", "Imani", "Ines", "Ingrid",
    "Irene", "Iris", "Isaac", "Isabel", "Ivan", "Ivy", "Jack", "Jacob",
    "Jade", "Jamal", "James", "Jane", "Janet", "Jasmine", "Jason", "Javier",
    "Jean", "Jeffrey", "Jenna", "Jennifer", "Jeremy", "Jesse", "Jessica",
    "Joan", "Joel", "John", "Jonah", "Jordan", "Jorge", "Joseph", "Joy",
    "Juan", "Judith", "Julia", "Julian", "June", "Justin", "Kai", "Karen",
    "Karl", "Kate", "Katherine", "Kayla", "Keith", "Kelly", "Kenji",
    "Kenneth", "Kevin", "Kim", "Kyle", "Lana", "Laura", "Lauren",
    "Lawrence", "Leah", "Leila", "Leo", "Leon", "Leonard", "Lewis", "Liam",
    "Lillian", "Linda", "Lionel", "Lisa", "Logan", "Lois", "Lorenzo",
    "Louis", "Louise", "Lucas", "Lucia", "Lucy", "Luis", "Luke", "Lydia",
    "Mabel", "Madeline", "Maggie", "Malcolm", "Mara", "Marcus", "Margaret",
    "Maria", "Marie", "Marina", "Mario", "Mark", "Marta", "Martin", "Mary",
    "Mason", "Matteo", "Matthew", "Maya", "Megan", "Melissa", "Mia",
    "Michael", "Miguel", "Mila", "Miles", "Miriam", "Molly", "Monica",
    "Morgan", "Nadia", "Nancy", "Naomi", "Natalie", "Nathan", "Neil",
    "Nell", "Nicholas", "Nicole", "Nina", "Noah", "Nora", "Norman", "Olga",
    "Olive", "Oliver", "Olivia", "Omar", "Oscar", "Owen", "Pablo", "Pamela",
    "Patricia", "Patrick", "Paul", "Paula", "Pearl", "Peter", "Philip",
    "Phoebe", "Priya", "Quentin", "Rachel", "Rafael", "Ralph", "Ramon",
    "Raymond", "Rebecca", "Reuben", "Rhea", "Richard", "Rita", "Robert",
    "Robin", "Rosa", "Rose", "Ruby", "Russell", "Ruth", "Ryan", "Sabrina",
    "Samuel", "Sandra", "Sara", "Scott", "Sean", "Selma", "Seth", "Sharon",
    "Sheila", "Simon", "Sofia", "Sonia", "Stanley", "Stella", "Stephen",
    "Steven", "Susan", "Sylvia", "Tamara", "Tanya", "Teresa", "Theo",
    "Thomas", "Tiffany", "Timothy", "Tobias", "Tom", "Tristan", "Ursula",
    "Valerie", "Vera", "Victor", "Victoria", "Vincent", "Viola", "Violet",
    "Vivian", "Walter", "Wanda", "Warren", "Wendy", "Wesley", "Willa",
    "William", "Xavier", "Yara", "Yusuf", "Yvonne", "Zachary", "Zara",
    "Zoe", "José", "Zoë", "Björn", "Søren", "Chloé", "Inès", "Joël",
    "Renée", "Noël", "Mónica", "Ramón",
    NULL
};

/* family names (347) */
const char *const pt_ug_last[] = {
    "Abbott", "Acosta", "Adams", "Adler", "Aguilar", "Ahmed", "Alexander",
    "Allen", "Alvarez", "Anderson", "Andrews", "Armstrong", "Arnold",
    "Atkins", "Austin", "Bailey", "Baker", "Baldwin", "Ball", "Banks",
    "Barker", "Barnes", "Barrett", "Bates", "Baxter", "Bell", "Bennett",
    "Berg", "Berry", "Bishop", "Black", "Blair", "Bolton", "Booth", "Bowen",
    "Boyd", "Bradley", "Brennan", "Brooks", "Brown", "Bryant", "Burke",
    "Burns", "Butler", "Byrne", "Caldwell", "Campbell", "Cannon", "Carlson",
    "Carpenter", "Carr", "Carroll", "Carter", "Castillo", "Chambers",
    "Chandler", "Chapman", "Chen", "Clarke", "Cole", "Coleman", "Collins",
    "Conway", "Cook", "Cooper", "Cortez", "Cox", "Crawford", "Cross",
    "Cruz", "Cunningham", "Curtis", "Dalton", "Daniels", "Davidson",
    "Davies", "Dawson", "Day", "Dean", "Delgado", "Dixon", "Doyle", "Drake",
    "Duncan", "Dunn", "Eaton", "Edwards", "Elliott", "Ellis", "Emerson",
    "Erickson", "Evans", "Farmer", "Farrell", "Ferguson", "Fernandez",
    "Fischer", "Fisher", "Fleming", "Fletcher", "Flores", "Flynn", "Ford",
    "Foster", "Fowler", "Fox", "Francis", "Franklin", "Fraser", "Freeman",
    "Fuller", "Gallagher", "Garcia", "Gardner", "Garrett", "Gibbs",
    "Gibson", "Gilbert", "Gomez", "Gonzalez", "Goodwin", "Gordon", "Graham",
    "Grant", "Graves", "Gray", "Green", "Griffin", "Gross", "Gupta", "Hale",
    "Hall", "Hamilton", "Hansen", "Hardy", "Harper", "Harris", "Hart",
    "Harvey", "Hawkins", "Hayes", "Henderson", "Henry", "Herrera", "Hicks",
    "Hill", "Hoffman", "Holland", "Holmes", "Hopkins", "Howard", "Howell",
    "Hughes", "Hunt", "Hunter", "Ingram", "Jackson", "Jacobs", "James",
    "Jensen", "Jimenez", "Johnson", "Jordan", "Joshi", "Kane", "Keller",
    "Kelly", "Kennedy", "Khan", "Kim", "King", "Klein", "Knight", "Koch",
    "Kramer", "Lambert", "Lane", "Larsen", "Lawrence", "Lawson", "Lee",
    "Leonard", "Lewis", "Lin", "Lindqvist", "Little", "Lloyd", "Long",
    "Lopez", "Lucas", "Lynch", "Mack", "Malone", "Mann", "Marsh",
    "Marshall", "Martin", "Martinez", "Mason", "Matthews", "Maxwell",
    "Mayer", "McCarthy", "McDonald", "Medina", "Mendez", "Meyer", "Miller",
    "Mills", "Mitchell", "Moore", "Morales", "Moreno", "Morgan", "Morris",
    "Morrison", "Moss", "Murphy", "Murray", "Myers", "Nash", "Navarro",
    "Nelson", "Newman", "Nguyen", "Nichols", "Nielsen", "Nolan", "Norris",
    "Novak", "O'Brien", "O'Neill", "D'Angelo", "Lloyd-Evans",
    "Garcia-Lopez", "Müller", "Søndergaard", "Núñez", "Öztürk", "Olsen",
    "Ortiz", "Osborne", "Owens", "Palmer", "Park", "Parker", "Patel",
    "Patterson", "Payne", "Pearson", "Perez", "Perry", "Peters", "Peterson",
    "Phillips", "Pierce", "Porter", "Powell", "Price", "Quinn", "Ramirez",
    "Ramos", "Reed", "Reeves", "Reid", "Reyes", "Reynolds", "Rhodes",
    "Rice", "Richards", "Riley", "Rivera", "Roberts", "Robinson",
    "Rodriguez", "Rogers", "Rose", "Ross", "Rowe", "Russell", "Ryan",
    "Sanders", "Santos", "Saunders", "Schmidt", "Schneider", "Scott",
    "Shah", "Sharp", "Shaw", "Silva", "Simmons", "Sims", "Singh", "Sloan",
    "Smith", "Snyder", "Soto", "Spencer", "Stanley", "Steele", "Stephens",
    "Stewart", "Stone", "Sullivan", "Sutton", "Swanson", "Tanaka", "Taylor",
    "Thomas", "Thompson", "Torres", "Tran", "Tucker", "Turner", "Vargas",
    "Vaughn", "Vega", "Wagner", "Walker", "Wallace", "Walsh", "Walters",
    "Wang", "Ward", "Warner", "Watson", "Weaver", "Webb", "Weber", "Wells",
    "West", "Wheeler", "White", "Williams", "Willis", "Wilson", "Wolfe",
    "Wong", "Wood", "Woods", "Wright", "Wu", "Yamamoto", "Young", "Zhang",
    "Ziegler",
    NULL
};

/* street names (202) */
const char *const pt_ug_street[] = {
    "Acorn", "Alder", "Amber", "Apple", "Arbor", "Ash", "Aspen", "Autumn",
    "Bay", "Beacon", "Beech", "Bell", "Birch", "Blossom", "Bluebell",
    "Bramble", "Briar", "Bridge", "Brook", "Buttercup", "Canal", "Canyon",
    "Cardinal", "Castle", "Cedar", "Chapel", "Cherry", "Chestnut", "Church",
    "Clover", "Cobble", "Copper", "Coral", "Cottage", "Creek", "Crescent",
    "Cypress", "Daisy", "Deer", "Dogwood", "Dove", "Eagle", "Elder", "Elm",
    "Evergreen", "Fairway", "Falcon", "Fern", "Field", "Fir", "Forest",
    "Fountain", "Fox", "Garden", "Garnet", "Glen", "Golden", "Granite",
    "Grove", "Hampton", "Harbor", "Harvest", "Hawthorn", "Hazel", "Heather",
    "Heron", "Hickory", "Highland", "Hill", "Holly", "Honeysuckle",
    "Horizon", "Iris", "Ivy", "Jasmine", "Juniper", "Kingfisher", "Lake",
    "Larch", "Laurel", "Lavender", "Lilac", "Lily", "Linden", "Locust",
    "Magnolia", "Main", "Maple", "Marble", "Market", "Meadow", "Mill",
    "Mistletoe", "Morning", "Moss", "Mulberry", "North", "Oak", "Orchard",
    "Osprey", "Park", "Pear", "Pebble", "Pine", "Pinecrest", "Plum", "Pond",
    "Poplar", "Prairie", "Primrose", "Quail", "Quarry", "Rain", "Raven",
    "Redwood", "Ridge", "River", "Robin", "Rock", "Rose", "Rowan", "Sage",
    "Sandstone", "School", "Sequoia", "Shady", "Silver", "Sky", "Spring",
    "Spruce", "Station", "Stone", "Summit", "Sunflower", "Sunset",
    "Swallow", "Sycamore", "Thistle", "Timber", "Tulip", "Valley",
    "Village", "Vine", "Walnut", "Water", "Willow", "Wren", "Acacia",
    "Alpine", "Anchor", "Badger", "Bison", "Bluff", "Boulder", "Briarwood",
    "Brookside", "Calico", "Cinder", "Cliff", "Cove", "Crane", "Crystal",
    "Dune", "Ember", "Fawn", "Foxglove", "Gale", "Harbour", "Heath",
    "Ivory", "Kestrel", "Lark", "Marsh", "Mesa", "Mint", "Nutmeg",
    "Oakridge", "Orchid", "Otter", "Pheasant", "Pinewood", "Rosemary",
    "Saffron", "Sparrow", "Stream", "Teal", "Thorn", "Tidewater",
    "Trillium", "Wisteria", "Yarrow", "Zephyr", "First", "Second", "Third",
    "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
    NULL
};

/* street kinds (20) */
const char *const pt_ug_suffix[] = {
    "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way",
    "Boulevard", "Terrace", "Circle", "Trail", "Parkway", "Square", "Row",
    "Close", "Crescent", "Grove", "Walk", "Path",
    NULL
};

/* town names (207) */
const char *const pt_ug_city[] = {
    "Ashford", "Ashland", "Aurora", "Avondale", "Bayside", "Bayview",
    "Beacon", "Bellmont", "Belmont", "Benton", "Berkley", "Birchwood",
    "Blackwater", "Bloomfield", "Bluewater", "Bradford", "Brampton",
    "Bridgeport", "Bridgewater", "Brighton", "Bristow", "Brookfield",
    "Brooklyn", "Burlington", "Cambridge", "Camden", "Canton", "Carlton",
    "Carrolton", "Cedarville", "Centerville", "Chester", "Clayton",
    "Clearwater", "Clifton", "Clinton", "Colby", "Columbia", "Concord",
    "Cornwall", "Crestview", "Cumberland", "Dalton", "Danville", "Dayton",
    "Deerfield", "Denton", "Dover", "Dublin", "Dunmore", "Eastwood",
    "Easton", "Edgewater", "Elmwood", "Emerson", "Enfield", "Essex",
    "Evergreen", "Fairfield", "Fairhaven", "Fairview", "Falmouth",
    "Farmington", "Fernwood", "Florence", "Forestville", "Franklin",
    "Fremont", "Galloway", "Garland", "Georgetown", "Glendale", "Glenwood",
    "Goshen", "Grafton", "Granby", "Greenfield", "Greenville", "Greenwood",
    "Hampton", "Hanover", "Harmony", "Harrison", "Hartford", "Haverford",
    "Hayden", "Hazelwood", "Highland", "Hillcrest", "Hillsboro", "Holbrook",
    "Hollister", "Hopewell", "Hudson", "Huntington", "Irvington", "Jackson",
    "Jamestown", "Jefferson", "Kendall", "Kensington", "Kingston",
    "Lakeside", "Lakeview", "Lakewood", "Lancaster", "Lawrence", "Lebanon",
    "Lexington", "Lincoln", "Linden", "Litchfield", "Livingston", "Madison",
    "Manchester", "Mansfield", "Maplewood", "Marion", "Marlborough",
    "Maysville", "Meadowbrook", "Medford", "Melrose", "Middleton",
    "Midvale", "Milford", "Millbrook", "Milton", "Monroe", "Montrose",
    "Morristown", "Newbury", "Newport", "Northfield", "Norwood", "Oakdale",
    "Oakland", "Oakwood", "Oldham", "Orchard", "Oxford", "Parkside",
    "Pinehurst", "Plainfield", "Pleasantville", "Plymouth", "Portland",
    "Preston", "Princeton", "Quincy", "Radford", "Redmond", "Richfield",
    "Ridgewood", "Riverdale", "Riverside", "Riverton", "Rochester",
    "Rockport", "Rosedale", "Roslyn", "Rutland", "Salem", "Sheffield",
    "Shelby", "Sherwood", "Shrewsbury", "Silverton", "Somerset",
    "Southport", "Springdale", "Springfield", "Stamford", "Stanton",
    "Stratford", "Summit", "Sunnyvale", "Sutton", "Thornton", "Tremont",
    "Trenton", "Troy", "Union", "Upton", "Vernon", "Walden", "Warwick",
    "Waterford", "Waverly", "Wayne", "Wellington", "Westbrook", "Westfield",
    "Weston", "Westwood", "Whitfield", "Williamsburg", "Wilmington",
    "Winchester", "Windham", "Windsor", "Woodbury", "Woodland", "Woodstock",
    "Worthington", "Yardley", "York",
    NULL
};

/* US state codes (50) */
const char *const pt_ug_state[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID",
    "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS",
    "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
    "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY",
    NULL
};
