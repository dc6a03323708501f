/**
 * System metrics while a run trains, logged like MLflow's system metrics (a `system/` prefix,
 * step = sample number): machine-wide CPU use, this process's CPU use and resident memory, and per
 * GPU utilisation and memory when nvidia-smi answers.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';

export type MetricSink = (metrics: Record<string, number>, step: number) => void;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.idle + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  }
  return { idle, total };
}

/** GPU figures from nvidia-smi, or null when there is none (checked once, then no longer asked). */
function queryGpus(): Promise<Record<string, number> | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'], { timeout: 2000 }, (error, stdout) => {
      if (error) return resolve(null);
      const metrics: Record<string, number> = {};
      for (const line of stdout.trim().split('\n')) {
        const [index, utilization, used, total] = line.split(',').map((part) => Number(part.trim()));
        if (index === undefined || !Number.isFinite(index)) continue;
        if (Number.isFinite(utilization)) metrics[`system/gpu_${index}_utilization_percent`] = utilization!;
        if (Number.isFinite(used)) metrics[`system/gpu_${index}_memory_used_mb`] = used!;
        if (Number.isFinite(used) && Number.isFinite(total) && total! > 0) metrics[`system/gpu_${index}_memory_percent`] = (100 * used!) / total!;
      }
      resolve(Object.keys(metrics).length > 0 ? metrics : null);
    });
  });
}

export class SystemMetricsSampler {
  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  private lastCpu = cpuTimes();
  private lastProcess = process.cpuUsage();
  private lastTime = performance.now();
  private gpus = true;
  private stopped = false;

  constructor(
    private readonly sink: MetricSink,
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    // unref: sampling must never be what keeps a finished worker alive.
    this.stopped = false;
    this.timer = setInterval(() => void this.sample(), this.intervalMs).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sample(): Promise<void> {
    const now = performance.now();
    const cpu = cpuTimes();
    const usage = process.cpuUsage();
    const totalDelta = cpu.total - this.lastCpu.total;
    const metrics: Record<string, number> = {
      'system/cpu_percent': totalDelta > 0 ? (100 * (totalDelta - (cpu.idle - this.lastCpu.idle))) / totalDelta : 0,
      // Of one core, as top shows it: above 100 when several threads work.
      'system/process_cpu_percent': (100 * ((usage.user - this.lastProcess.user + usage.system - this.lastProcess.system) / 1000)) / Math.max(now - this.lastTime, 1),
      'system/memory_rss_mb': process.memoryUsage.rss() / 1024 / 1024,
    };
    this.lastCpu = cpu;
    this.lastProcess = usage;
    this.lastTime = now;
    if (this.gpus) {
      const gpu = await queryGpus();
      if (gpu) Object.assign(metrics, gpu);
      else this.gpus = false;
    }
    // A sample still waiting for nvidia-smi when the run ended must not log to a finished run.
    if (this.stopped) return;
    try {
      this.sink(metrics, this.step++);
    } catch (error) {
      // A sample that cannot be written (run deleted meanwhile) must not take training down with
      // it from inside a timer; the next epoch's logging reports the problem properly.
      process.stderr.write(`mldesk: system metrics not logged: ${(error as Error).message}\n`);
    }
  }
}
