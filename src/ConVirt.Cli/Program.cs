using ConVirt.Runtime;
using TorchSharp;
Console.WriteLine($"loaded: {NativeRuntime.Status.Loaded} {NativeRuntime.Status.Error}");
Console.WriteLine($"torchsharp {NativeRuntime.TorchSharpVersion} libtorch {NativeRuntime.LibTorchVersion} threads {torch.get_num_threads()}");
