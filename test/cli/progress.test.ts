import t from 'tap'
import { createProgress, formatCount, formatDuration, formatRate, type ProgressStream } from '../../cli/progress.js'

class FakeStream implements ProgressStream {
  writes: string[] = []
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.writes.push(chunk)
    return true
  }
  get text(): string {
    return this.writes.join('')
  }
}

function fakeClock(startMs = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = startMs
  return { now: () => t, advance: (ms) => (t += ms) }
}

t.test('formatting helpers', async (t) => {
  t.equal(formatCount(0), '0')
  t.equal(formatCount(999), '999')
  t.equal(formatCount(1000), '1 000')
  t.equal(formatCount(450_000), '450 000')
  t.equal(formatCount(1_000_000), '1 000 000')
  t.equal(formatRate(950), '950')
  t.equal(formatRate(2.5), '2.5')
  t.equal(formatRate(210_000), '210 k')
  t.equal(formatRate(12_340), '12.3 k')
  t.equal(formatRate(1_250_000), '1.25 M')
  t.equal(formatDuration(3), '3 s')
  t.equal(formatDuration(2.619), '2.6 s')
  t.equal(formatDuration(250), '4 min 10 s')
  t.equal(formatDuration(7500), '2 h 5 min')
  t.equal(formatDuration(Infinity), '?')
})

t.test('TTY: bar, percent, count, rate and ETA from the clock', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'load', total: 1_000_000, stream, enabled: true, now: clock.now })
  clock.advance(2000)
  p.tick(450_000)
  t.equal(stream.writes.length, 1)
  // 450 000 in 2 s = 225 k rec/s; 550 000 left → 2.44 s.
  t.equal(stream.writes[0], '\rload [#########...........] 45 % 450 000/1 000 000 records 225 k rec/s ETA 2.4 s')
  t.notOk(stream.text.includes('\n'), 'no newline while running')
})

t.test('TTY: redraws at most once per 100 ms', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'x', total: 10_000, stream, now: clock.now })
  for (let i = 0; i < 1000; i++) {
    clock.advance(1) // 1000 ticks over 1 s
    p.tick(10)
  }
  // First tick draws, then one draw per 100 ms of clock: 1 + 9 (t = 101, 201, ... 901) = 10.
  t.equal(stream.writes.length, 10)
  for (const w of stream.writes) t.match(w, /^\r/)
  p.done()
  t.equal(stream.writes.length, 12, 'done redraws the final line and ends it')
  t.equal(stream.writes.at(-1), '\n')
  // The summary is shorter than the last bar, so it is padded with spaces to erase the bar's tail.
  const summary = 'x: 10 000 records in 1 s (10 k rec/s)'
  const lastBarWidth = stream.writes[9].length - 1
  t.ok(lastBarWidth > summary.length)
  t.equal(stream.writes.at(-2), `\r${summary.padEnd(lastBarWidth)}`)
})

t.test('TTY: no total shows count and rate only', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'scan', stream, now: clock.now })
  clock.advance(500)
  p.tick(1234)
  t.equal(stream.writes[0], '\rscan 1 234 records 2.47 k rec/s')
  t.notOk(stream.writes[0].includes('ETA'))
  t.notOk(stream.writes[0].includes('%'))
})

t.test('TTY: setTotal adds the bar; count over total clamps at 100 %', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'l', stream, now: clock.now })
  clock.advance(1000)
  p.tick(5)
  clock.advance(1000)
  p.setTotal(10)
  t.equal(stream.writes[1], '\rl [##########..........] 50 % 5/10 records 2.5 rec/s ETA 2 s')
  clock.advance(1000)
  p.tick(10)
  t.match(stream.writes[2], /\[#{20}\] 100 % 15\/10 records .* ETA 0 s$/)
})

t.test('TTY: lines are cut to the terminal width', async (t) => {
  const stream = new FakeStream(true, 30)
  const clock = fakeClock()
  const p = createProgress({ label: 'a-long-label', total: 100, stream, now: clock.now })
  clock.advance(1000)
  p.tick(1)
  t.equal(stream.writes[0].length, 1 + 29)
})

t.test('non-TTY: silent until done, then one summary line', async (t) => {
  const stream = new FakeStream(false)
  const clock = fakeClock()
  const p = createProgress({ label: 'load people.csv', total: 1_000_000, stream, now: clock.now })
  for (let i = 0; i < 100; i++) {
    clock.advance(48)
    p.tick(10_000)
  }
  t.same(stream.writes, [], 'nothing while running')
  p.done()
  p.done()
  p.tick(5)
  t.same(stream.writes, ['load people.csv: 1 000 000 records in 4.8 s (208 k rec/s)\n'])
})

t.test('non-TTY fail: one line naming how far it got', async (t) => {
  const stream = new FakeStream(false)
  const clock = fakeClock()
  const p = createProgress({ label: 'load', total: 100, stream, now: clock.now })
  clock.advance(20_000)
  p.tick(40)
  p.fail()
  p.done()
  t.same(stream.writes, ['load: failed after 40/100 records in 20 s (2 rec/s)\n'])
})

t.test('TTY fail ends the line so an error message starts on a fresh one', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'load', stream, now: clock.now })
  p.tick(1)
  p.fail()
  t.equal(stream.writes.at(-1), '\n')
  t.match(stream.writes.at(-2) ?? '', /^\rload: failed after 1 records in 0 s/)
})

t.test('disabled: nothing at all, even on a TTY', async (t) => {
  const stream = new FakeStream(true)
  const clock = fakeClock()
  const p = createProgress({ label: 'load', total: 10, stream, enabled: false, now: clock.now })
  clock.advance(1000)
  p.tick(10)
  p.done()
  t.same(stream.writes, [])
})

t.test('zero work: done reports zero without a rate', async (t) => {
  const stream = new FakeStream(false)
  const clock = fakeClock()
  const p = createProgress({ label: 'load', total: 0, stream, now: clock.now })
  p.done()
  t.same(stream.writes, ['load: 0 records in 0 s\n'])
})
