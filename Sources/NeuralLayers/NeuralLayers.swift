// NeuralLayers module: see Package.swift for the layout.
