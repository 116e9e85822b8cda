/**
 * H3 resolutions the system uses. They are measured choices, not guesses: see
 * dispatcher/README.md (candidate-search benchmark) for the figures behind the index resolution.
 *
 * - INDEX: the courier index. Resolution 8 cells have ~0.5 km edges (~0.74 km² each): covering a
 *   2 km circle takes k = 3–4 rings (37–61 cells), small enough for one Lua call. Measured against
 *   7 and 9 at 50,000 couriers (2026-12-01, after the packed-reply search): the dispatch query
 *   (≥ 20 idle couriers within 5 km) runs 2–2.5× faster than at 7 (cells of ~280 couriers) and
 *   than at 9 (long ring lists per call); res 9 wins full circles at 1 and 5 km, which the loop
 *   does not run.
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
