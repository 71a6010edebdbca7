namespace Hoist.Autoscaling;

/// <summary>
/// One-second buckets of a metric, averaged over a window the way Knative's collector does
/// (knative/serving pkg/autoscaler/aggregation/bucketing.go): for concurrency each bucket is the mean of the samples
/// taken in that second; for rps it is the count of requests that arrived in it. A window averages the run of data it
/// sees: the run starts over after a whole window without a sample, and a window longer than the run is averaged over
/// the run only, so a burst after an idle spell counts at its full size.
/// </summary>
public sealed class MetricWindow(TimeSpan retention)
{
    private readonly SortedDictionary<long, Bucket> _buckets = [];
    private long? _lastSecond;

    /// <summary>Adds a concurrency sample: how many calls were in flight (or queued) at <paramref name="at"/>.</summary>
    public void RecordSample(DateTimeOffset at, double value) => Add(at, value, count: 1);

    /// <summary>Adds <paramref name="requests"/> arrivals at <paramref name="at"/>, for the rps metric.</summary>
    public void RecordArrivals(DateTimeOffset at, int requests) => Add(at, requests, count: 0);

    /// <summary>The average over the <paramref name="window"/> that ends at <paramref name="now"/>; 0 without data in it.</summary>
    public double Average(DateTimeOffset now, TimeSpan window)
    {
        // A read behind the last write (a clock a little behind the sampler's) ends at the last write, as Knative's does.
        // A second with no sample yet has only just begun: the window ends at the last second measured,
        // or a one-second panic window read early in a second would see nothing.
        if (_lastSecond is not { } lastSecond)
        {
            return 0;
        }

        var nowSecond = now.ToUnixTimeSeconds();
        if (lastSecond > nowSecond)
        {
            nowSecond = lastSecond;
        }
        else if (!_buckets.ContainsKey(nowSecond) && _buckets.Keys.First() < nowSecond)
        {
            nowSecond--;
        }

        var windowSeconds = Math.Max(1, (long)Math.Ceiling(window.TotalSeconds));
        var firstSecond = nowSecond - windowSeconds + 1;

        // Where this window's run of data starts: Knative's buckets reset their first write when a sample arrives a
        // whole window after the one before it (bucketing.go Record), so a gap that long starts a new run.
        long? runStart = null;
        long previous = 0;
        var total = 0.0;
        foreach (var (second, bucket) in _buckets)
        {
            if (second > nowSecond)
            {
                break;
            }

            if (runStart is null || second - previous >= windowSeconds)
            {
                runStart = second;
            }

            previous = second;
            if (second >= firstSecond)
            {
                total += bucket.Value;
            }
        }

        var seconds = Math.Min(windowSeconds, nowSecond - runStart!.Value + 1);
        return total / seconds;
    }

    private void Add(DateTimeOffset at, double value, int count)
    {
        var second = at.ToUnixTimeSeconds();
        _lastSecond = Math.Max(_lastSecond ?? second, second);
        if (!_buckets.TryGetValue(second, out var bucket))
        {
            bucket = new Bucket();
            _buckets[second] = bucket;
            Trim(second);
        }

        bucket.Add(value, count);
    }

    private void Trim(long currentSecond)
    {
        var oldest = currentSecond - (long)Math.Ceiling(retention.TotalSeconds);
        while (_buckets.Count > 0 && _buckets.First().Key < oldest)
        {
            _buckets.Remove(_buckets.First().Key);
        }
    }

    private sealed class Bucket
    {
        private double _sum;
        private int _samples;

        /// <summary>The mean of the samples, or the plain sum for arrival counts.</summary>
        public double Value => _samples == 0 ? _sum : _sum / _samples;

        public void Add(double value, int samples)
        {
            _sum += value;
            _samples += samples;
        }
    }
}
