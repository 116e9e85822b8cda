/**
 * H3 resolutions the system uses. They are measured choices, not guesses: see
 * dispatcher/README.md (candidate-search benchmark) for the figures behind the index resolution.
 *
 * - INDEX: the courier index. Resolution 8 cells have ~0.46 km edges (~0.74 km² each): a
 *   2 km search is a gridDisk of k≈4–5 rings (61–91 cells), small enough for one Lua call while a
 *   cell rarely holds more than a few dozen couriers even at peak.
 * - HEAT: supply/demand heat map and the quote surcharge. Resolution 7 (~1.2 km edges) is about
 *   a neighbourhood, the scale at which a shortage of couriers is worth pricing.
 */
export const H3_RESOLUTIONS = {
  index: 8,
  heat: 7,
} as const;

/** Average H3 hexagon edge length in meters, per resolution (from the H3 tables). */
export const H3_EDGE_METERS: Readonly<Record<number, number>> = {
  6: 3_724.5,
  7: 1_406.5,
  8: 531.4,
  9: 200.8,
  10: 75.9,
};
