package check

// DomainOrganisation holds the standard's organisational items: process requirements no API
// object can show. They are Manual until a person attests them in the profile, and they count
// toward the level like any check.
const DomainOrganisation Domain = "Organisation"
