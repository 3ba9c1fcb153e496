/**
 * Word lists for fake, PII-shaped borrower data. Bound into the generator's SQL as text[]
 * parameters (never interpolated). E-mail domains are the reserved example.* names (RFC 2606) and
 * phone numbers use the 555 exchange, so nothing generated can belong to a real person.
 */

export const TENANT_NAMES = [
  'Acme Mortgage Servicing',
  'Blue Harbor Loan Services',
  'Cedar Ridge Home Loans',
  'Delta Bay Servicing',
  'Evergreen Mortgage Co',
  'Foxhill Lending',
  'Granite State Servicing',
  'Hudson Valley Home Finance',
  'Ironwood Mortgage',
  'Juniper Loan Servicing',
];

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Donald', 'Ashley',
  'Steven', 'Kimberly', 'Andrew', 'Emily', 'Joshua', 'Donna', 'Kenneth', 'Michelle', 'Kevin', 'Carol',
  'Brian', 'Amanda', 'Luis', 'Melissa', 'Wei', 'Deborah', 'Aarav', 'Stephanie', 'Omar', 'Rebecca',
  'Mateo', 'Sofia', 'Hiroshi', 'Priya', 'Kwame', 'Ana', 'Dmitri', 'Fatima', 'Liam', 'Chloe',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', "O'Brien",
  'Patel', 'Chen', 'Kim', 'Okafor', 'Schmidt', 'Novak', 'Haddad', 'Silva', 'Yamamoto', 'Kowalski',
];

/** "City|ST" pairs. */
export const CITIES = [
  'Austin|TX', 'Dallas|TX', 'Houston|TX', 'Phoenix|AZ', 'Tucson|AZ', 'Denver|CO', 'Boulder|CO',
  'Atlanta|GA', 'Savannah|GA', 'Charlotte|NC', 'Raleigh|NC', 'Nashville|TN', 'Columbus|OH',
  'Cleveland|OH', 'Chicago|IL', 'Naperville|IL', 'Minneapolis|MN', 'Seattle|WA', 'Spokane|WA',
  'Portland|OR', 'Sacramento|CA', 'San Diego|CA', 'Fresno|CA', 'Las Vegas|NV', 'Boise|ID',
  'Salt Lake City|UT', 'Tampa|FL', 'Orlando|FL', 'Jacksonville|FL', 'Richmond|VA', 'Pittsburgh|PA',
  'Albany|NY', 'Hartford|CT', 'Omaha|NE', 'Kansas City|MO', 'Milwaukee|WI',
];

export const AREA_CODES = [
  '512', '214', '713', '602', '520', '303', '720', '404', '912', '704', '919', '615', '614', '216',
  '312', '630', '612', '206', '509', '503', '916', '619', '559', '702', '208', '801', '813', '407',
];

export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];
