/** Entry point of the `pipe` command (`bin/pipe.js`): the engine's CLI with nnU-Net's stage kinds. */
import './app.js';
import { main } from './engine/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
