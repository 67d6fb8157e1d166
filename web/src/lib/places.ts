// No map tiles can be reached from here, so a neighbourhood is picked from the city's districts,
// each with the point matching and event search measure distance from.
export const CITY = "Berlin";
export const TIME_ZONE = "Europe/Berlin";
export const NEIGHBOURHOODS: Record<string, { lat: number; lon: number }> = {
  Kreuzberg: { lat: 52.4986, lon: 13.403 },
  Neukölln: { lat: 52.4811, lon: 13.435 },
  Friedrichshain: { lat: 52.5159, lon: 13.454 },
  Mitte: { lat: 52.52, lon: 13.405 },
  "Prenzlauer Berg": { lat: 52.539, lon: 13.424 },
  Charlottenburg: { lat: 52.516, lon: 13.304 },
  Schöneberg: { lat: 52.483, lon: 13.353 },
  Wedding: { lat: 52.55, lon: 13.366 },
  Moabit: { lat: 52.53, lon: 13.342 },
  Tempelhof: { lat: 52.47, lon: 13.385 },
  Lichtenberg: { lat: 52.515, lon: 13.499 },
  Steglitz: { lat: 52.456, lon: 13.322 },
};
