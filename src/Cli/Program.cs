using Hoist.Cli;

return await HoistCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
