import { ref } from 'vue';
import { describe } from './errors.js';

/** An action a screen runs: `busy` while it runs (buttons disabled, a busy indicator), `error`
 *  its failure as a sentence — none when the session ended, the login page says why then.
 *  `run(fn)` resolves true when fn succeeded. */
export function useAction() {
  const busy = ref(false);
  const error = ref('');
  async function run(fn) {
    busy.value = true;
    error.value = '';
    try {
      await fn();
      return true;
    } catch (e) {
      if (!e.sessionEnded) error.value = describe(e);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
