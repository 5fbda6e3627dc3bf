using ConVirt.Cli;

return ConVirtApp.Run(args);
