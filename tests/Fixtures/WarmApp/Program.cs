using Hoist;
using WarmApp;

// Calls the services named on the command line and prints one line per answer, for the tests to read:
//   answers v1 4242 0
await using var hoist = await HoistApplication.StartAsync([]);

foreach (var service in args)
{
    switch (service)
    {
        case "answers":
            Print(service, await Answers.Remote.WhichAsync());
            break;
        case "counter":
            Console.WriteLine($"counter {await Counter.Remote.NextAsync()}");
            break;
        case "frozen":
            Print(service, await Frozen.Remote.WhichAsync());
            break;
        case "group":
            foreach (var answer in await Group.Remote.WhichAsync())
            {
                Print(service, answer);
            }

            break;
        case "see":
            var seen = await See.Remote.WhichAsync();
            Console.WriteLine($"see token={seen.Token} greeting={seen.Greeting} otlp={seen.OtlpEndpoint} setup={seen.Setup} pid={seen.ProcessId}");
            break;
        case "short-lived":
            Print(service, await ShortLived.Remote.WhichAsync());
            break;
        default:
            throw new ArgumentException($"unknown service '{service}'");
    }
}

static void Print(string service, Answer answer) => Console.WriteLine($"{service} {answer.Variant} {answer.ProcessId} {answer.Rank}");
