import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { decideOnProcessError, describeError, handleProcessErrors } from '../src/runtime/process-errors.js';

describe('describeError', () => {
  it('is the name and message on one line', () => {
    expect(describeError(new TypeError("Cannot read properties of null (reading 'ssl_check')"))).toBe(
      "TypeError: Cannot read properties of null (reading 'ssl_check')",
    );
    expect(describeError(new Error('first\nsecond\r\tthird'))).toBe('Error: first second third');
  });

  it('is at most 200 characters', () => {
    const line = describeError(new Error('x'.repeat(5_000)));
    expect(line.length).toBe(200);
    expect(line.startsWith('Error: xxx')).toBe(true);
  });

  it('never includes the stack, other properties, or what a SyntaxError quotes', () => {
    const error = Object.assign(new Error('boom'), { body: 'payload=secret', request: { text: 'secret' } });
    expect(describeError(error)).toBe('Error: boom');
    let parseError: unknown;
    try {
      JSON.parse('{"token":"xoxb-secret"');
    } catch (caught) {
      parseError = caught;
    }
    expect(describeError(parseError)).toBe('SyntaxError');
  });

  it('names only the type of a thrown non-Error', () => {
    expect(describeError('payload=secret')).toBe('a thrown string (not an Error)');
    expect(describeError({ body: 'secret' })).toBe('a thrown object (not an Error)');
    expect(describeError(null)).toBe('a thrown null (not an Error)');
    expect(describeError(undefined)).toBe('a thrown undefined (not an Error)');
  });
});

describe('decideOnProcessError', () => {
  it('keeps serving after an unhandled rejection', () => {
    expect(decideOnProcessError('unhandledRejection', new Error('late'))).toEqual({
      line: 'Unhandled promise rejection (still serving): Error: late',
      exit: false,
    });
  });

  it('exits after an uncaught exception', () => {
    expect(decideOnProcessError('uncaughtException', new RangeError('bad'))).toEqual({
      line: 'Uncaught exception, exiting: RangeError: bad',
      exit: true,
    });
  });
});

describe('handleProcessErrors', () => {
  function setUp(stop: () => Promise<unknown>, stopTimeoutMs = 1_000) {
    const target = new EventEmitter();
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const exit = vi.fn<(code: number) => void>();
    const stopSpy = vi.fn(stop);
    handleProcessErrors({ log, stop: stopSpy, exit, target, stopTimeoutMs });
    return { target, log, exit, stop: stopSpy };
  }

  it('logs an unhandled rejection in one line and neither stops nor exits', async () => {
    const { target, log, exit, stop } = setUp(async () => {});
    target.emit('unhandledRejection', new Error('late'), Promise.resolve());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.error.mock.calls).toEqual([['Unhandled promise rejection (still serving): Error: late']]);
    expect(stop).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
  });

  it('logs an uncaught exception, stops the app, then exits 1', async () => {
    const { target, log, exit, stop } = setUp(async () => {});
    target.emit('uncaughtException', new TypeError('boom'));
    expect(log.error.mock.calls).toEqual([['Uncaught exception, exiting: TypeError: boom']]);
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('exits 1 even when stopping fails', async () => {
    const { target, exit } = setUp(async () => {
      throw new Error('not started');
    });
    target.emit('uncaughtException', new Error('boom'));
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
  });

  it('exits 1 after the grace period when stopping hangs', async () => {
    const { target, exit } = setUp(() => new Promise(() => {}), 50);
    target.emit('uncaughtException', new Error('boom'));
    expect(exit).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 1_000 });
  });

  it('exits at once on a second uncaught exception while stopping', () => {
    const { target, exit, stop } = setUp(() => new Promise(() => {}), 10_000);
    target.emit('uncaughtException', new Error('first'));
    target.emit('uncaughtException', new Error('second'));
    expect(exit).toHaveBeenCalledWith(1);
    expect(stop).toHaveBeenCalledTimes(1);
  });
});
