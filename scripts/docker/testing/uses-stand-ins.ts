// Exit 0 when the local postgres:15-alpine is an offline stand-in (.ci/docker-offline), 1 when
// it is the upstream image or absent. `make test-docker` asks, to turn ryuk off only there.
import { usingStandIns } from './docker.ts';

process.exit(usingStandIns() ? 0 : 1);
