using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Hoist.Configuration;

namespace Hoist.Hosting;

/// <summary>
/// The <c>Hoist</c> options as Hoist reads them: validated when first read (so a bad start-up fails there) and
/// on every configuration reload, where a reload that fails validation or binding is refused and logged while
/// the last good settings stay in force. The framework's own monitor would instead throw from every read after
/// a bad reload, failing calls and autoscaler ticks until the file is fixed.
/// </summary>
internal sealed partial class LastGoodOptionsMonitor : IOptionsMonitor<HoistOptions>, IDisposable
{
    private readonly IOptionsFactory<HoistOptions> _factory;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private event Action<HoistOptions, string?>? Changed;
    private volatile HoistOptions _current;

    public LastGoodOptionsMonitor(IOptionsFactory<HoistOptions> factory, IEnumerable<IOptionsChangeTokenSource<HoistOptions>> sources, ILogger<LastGoodOptionsMonitor> logger)
    {
        _factory = factory;
        _logger = logger;

        // Binding and validation run in the factory: an invalid section throws OptionsValidationException here.
        _current = factory.Create(Options.DefaultName);
        WarnAbout(_current);
        foreach (var source in sources.Where(s => s.Name == Options.DefaultName))
        {
            _subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
        }
    }

    public HoistOptions CurrentValue => _current;

    public HoistOptions Get(string? name) => name is null || name == Options.DefaultName ? _current : _factory.Create(name);

    public IDisposable OnChange(Action<HoistOptions, string?> listener)
    {
        lock (_gate)
        {
            Changed += listener;
        }

        return new Subscription(this, listener);
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private void Reload()
    {
        HoistOptions reloaded;
        try
        {
            reloaded = _factory.Create(Options.DefaultName);
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            var reasons = ex is OptionsValidationException validation ? string.Join(" ", validation.Failures) : ex.Message;
            LogReloadRefused(_logger, reasons);
            return;
        }

        _current = reloaded;
        WarnAbout(reloaded);
        Action<HoistOptions, string?>? changed;
        lock (_gate)
        {
            changed = Changed;
        }

        changed?.Invoke(reloaded, Options.DefaultName);
    }

    // Allowed settings that do nothing (HOIST046: a grace period overrides MinScale), as the compiler warns of them.
    private void WarnAbout(HoistOptions options)
    {
        foreach (var warning in HoistOptionsValidator.ServiceWarnings(options.Services))
        {
            LogSettingWarning(_logger, warning);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hoist configuration: {Warning}")]
    private static partial void LogSettingWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused a reload of the Hoist configuration; the last good settings stay in force. {Reasons}")]
    private static partial void LogReloadRefused(ILogger logger, string reasons);

    private sealed class Subscription(LastGoodOptionsMonitor monitor, Action<HoistOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._gate)
            {
                monitor.Changed -= listener;
            }
        }
    }
}
