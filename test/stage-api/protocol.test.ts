/** The `::pipe::` line protocol between a stage and the engine. */
import { describe, expect, test } from 'vitest';
import { encodeMessage, parseMessage } from '../../src/stage-api/protocol.js';

describe('::pipe:: protocol', () => {
  test('round trip and rejection', () => {
    const line = encodeMessage({ type: 'progress', done: 3, total: 10, unit: 'epoch', values: { loss: 0.5 } });
    expect(line).toBe('::pipe:: {"type":"progress","done":3,"total":10,"unit":"epoch","values":{"loss":0.5}}\n');
    expect(parseMessage(line.trimEnd())).toEqual({ type: 'progress', done: 3, total: 10, unit: 'epoch', values: { loss: 0.5 } });
    expect(parseMessage('::pipe:: {"type":"progress"}')).toBeUndefined();
    expect(parseMessage('::pipe:: not json')).toBeUndefined();
    expect(parseMessage('hello')).toBeUndefined();
    expect(parseMessage('::pipe:: {"type":"metrics","values":{"dice":0.9}}')).toEqual({ type: 'metrics', values: { dice: 0.9 } });
  });
});
