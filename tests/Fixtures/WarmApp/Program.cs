using Hoist;
using WarmApp;

// Calls the services named on the command line and prints one line per answer, for the tests to read:
//   answers v1 4242 0
// "add-loop" keeps the app running: it adds 2 and 3 once per line read from stdin, printing "add 5" or
// "add refused <exception>: <message>", until stdin closes.
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
        case "add-loop":
            while (Console.ReadLine() is not null)
            {
                try
                {
                    Console.WriteLine($"add {await Calc.Remote.AddAsync(new Pair(2, 3))}");
                }
                catch (HoistException ex)
                {
                    Console.WriteLine($"add refused {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
                }
            }

            break;
        case "short-lived":
            Print(service, await ShortLived.Remote.WhichAsync());
            break;
        default:
            throw new ArgumentException($"unknown service '{service}'");
    }
}

static void Print(string service, Answer answer) => Console.WriteLine($"{service} {answer.Variant} {answer.ProcessId} {answer.Rank}");
