export const HELP: Record<string, string> = {
  '': `hourglass — learning-activity supervision for the online vocational-skills training programme

Usage: hourglass <command> [options]

Commands:
  start        every service in one process on one port (ingest, detector, aggregator, API)
  ingest       the ingest API only (POST /v1/events, /v1/replay/events)
  detector     the detector only (events → segments and flags)
  aggregator   the aggregator only (segments, flags, decisions → warehouse)
  api          the query API only (stats, flags, sessions, decisions, admin)
  migrate      apply warehouse migrations and exit
  simulate     send realistic labelled traffic and report detection recall
  hash-token   print the sha256:<hex> form of a token for the configuration file

Environment: HOURGLASS_CONFIG, PORT (8080), KAFKA_BROKERS, REDIS_URL, CLICKHOUSE_URL,
KAFKA_TOPIC_PREFIX (hourglass.), LOG_LEVEL. Unset servers use embedded in-process adapters.
Run "hourglass <command> --help" for a command's options.`,
  start: `Usage: hourglass start

Runs ingest, detector, aggregator and API in one process on PORT (default 8080), with /metrics,
/healthz and /readyz. KAFKA_BROKERS, REDIS_URL and CLICKHOUSE_URL each switch one part from its
embedded adapter to the real server; REDIS_URL and CLICKHOUSE_URL need KAFKA_BROKERS (the embedded
log starts empty at every start, so they would no longer match it). Without HOURGLASS_CONFIG a development configuration with
demo tokens is used (printed at start-up).`,
  ingest: 'Usage: hourglass ingest\n\nRuns the ingest service alone (needs KAFKA_BROKERS to be useful).',
  detector: 'Usage: hourglass detector\n\nRuns the detector alone (KAFKA_BROKERS and REDIS_URL).',
  aggregator: 'Usage: hourglass aggregator\n\nRuns the aggregator alone (KAFKA_BROKERS and CLICKHOUSE_URL).',
  api: 'Usage: hourglass api\n\nRuns the query API alone (CLICKHOUSE_URL and KAFKA_BROKERS for decisions).',
  migrate:
    'Usage: hourglass migrate\n\nApplies the warehouse migrations to CLICKHOUSE_URL (or the embedded store) and exits.',
  simulate: `Usage: hourglass simulate [options]

  --url URL            Hourglass base URL (default http://127.0.0.1:8080)
  --ingest-url URL     where events go when ingest runs apart (hourglass ingest); default --url
  --platforms N        platforms to spread learners over (default 3, the demo platforms)
  --learners N         learners (default 100: every cheating scenario at 20 %)
  --minutes N          simulated minutes of study (default 30; at least 15)
  --speedup X          with --replay: simulated time runs X times faster (0 = as fast as possible);
                       live sending always runs in real time, so a live run takes --minutes
  --cheaters P         fraction of cheating learners, 0..1 (default 0.2)
  --seed S             random seed (default 1)
  --replay             send through /v1/replay/events with the admin token, each event
                       carrying the receipt time a platform would have had
  --id-prefix P        learner/device id prefix (default: sim<seed>-<time>, a fresh population)
Tokens default to the development configuration's demo tokens; override with
--platform-token id=token (repeatable), --admin-token, --supervisor-token.
Exits 0 only if the pipeline caught up, every cheater was flagged with an expected kind, no honest
learner was flagged, and the honest learners' hours were verified exactly; 3 otherwise (the summary's
last line says why).`,
  'hash-token':
    'Usage: hourglass hash-token <token>\n\nPrints sha256:<hex> for the configuration file. A token is 1 to 512 printable\nASCII characters without spaces.',
};
