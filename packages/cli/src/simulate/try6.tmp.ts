import { DEMO_TOKENS, developmentConfig, loadEnv } from '@hourglass/runtime';
import { startAllInOne } from '../commands/start';
import { simulate } from './simulate';

const env = loadEnv({ PORT: '18932', LOG_LEVEL: 'silent' } as never);
const hg = await startAllInOne({
  env,
  config: developmentConfig(),
  isDevelopmentConfig: true,
  out: process.stderr,
  registerSignals: false,
});
try {
  const s = await simulate({
    url: hg.url,
    platformTokens: DEMO_TOKENS.platforms,
    adminToken: DEMO_TOKENS.admin,
    supervisorToken: DEMO_TOKENS.supervisor,
    statisticianToken: DEMO_TOKENS.statistician,
    platforms: 3,
    learners: 60,
    minutes: 15,
    speedup: 1,
    cheaters: 0.4,
    seed: 7,
    replay: false,
    out: process.stdout,
    isTTY: false,
  });
  console.log(JSON.stringify({ recall: s.recall, fa: s.falseAlarmRate }));
} finally {
  await hg.close();
}
