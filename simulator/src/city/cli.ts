import { loadApiConfig } from '../../../api/src/config.js';
import { CityPreflightError, runCity } from './city-run.js';
import { CITY_USAGE, defaultCityOptions, parseCityOptions, UsageError } from './options.js';

/**
 * `npm run sim -- city [options]`: exit 0 when every order placed reached a final state, 1 when
 * some did not (or the run failed), 2 for bad options. Ctrl-C stops at once and still writes
 * run.json; a second Ctrl-C exits without waiting.
 */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${CITY_USAGE}\n`);
    return 0;
  }
  let options: ReturnType<typeof parseCityOptions>;
  try {
    // The api's own default, so the city seeds the database the api serves.
    const databaseUrl = loadApiConfig(process.env).DATABASE_URL;
    options = parseCityOptions(argv, defaultCityOptions(databaseUrl));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${CITY_USAGE}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runCity(options, { stderr: process.stderr, stop: stop.signal }).catch(
      (err: unknown) => {
        if (!(err instanceof CityPreflightError)) throw err;
        process.stderr.write(`${err.message}\n`);
        return null;
      },
    );
    if (!result) return 1;
    const code = result.unfinished === 0 || stop.signal.aborted ? 0 : 1;
    // Riders still saying goodbye to a stopping api must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
