// Package seed owns Camino's synthetic data sets: deterministic, realistic
// warehouses to develop, demonstrate and benchmark against.
//
// Two profiles:
//
//   - utah (the default, `make run` and most tests): Utah's 41 school
//     districts by their real names, about 113 charter LEAs and the state
//     agency, ≈1,050 schools, ≈28,000 teachers and the leaders above them,
//     school years 2014–2025, student enrollment by ethnicity and English
//     learner status, the association's ≈600 members with their events, and
//     the board's goals.
//   - national (benchmarks): the same shape for the 50 states and DC, school
//     years 2016–2025, ≈13,000·F LEAs, ≈100,000·F schools and ≈4,000,000·F
//     staff a year. It streams: one district's whole history is simulated,
//     written in chunks and forgotten before the next, so memory stays
//     bounded whatever the scale.
//
// People are followed across years with stable staff keys by one career
// simulation shared by both profiles (sim.go): exits, moves between schools,
// promotions filling vacancies from the rank below, external hires. Every
// proportion is calibrated on public figures, cited where they are used
// (mostly docs/calibration.md); where a figure is an
// estimate the code says so.
//
// The same Options give the same rows, byte for byte: one math/rand/v2 PCG
// stream per purpose seeded from Options.Seed, slices (never map iteration)
// for everything written, fixed timestamps.
//
// What it must never do:
//   - write real people's data: every person, name and key is made up (only
//     district names and two NCES district ids are real; every invented id is
//     recognisably synthetic and flagged synthetic=1);
//   - write SQL: rows go through warehouse.DB.Insert with the column lists
//     of internal/warehouse, which owns the schema;
//   - empty or check the warehouse before loading: the CLI decides that.
package seed
