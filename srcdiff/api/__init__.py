"""The public API over the pipeline: grad and value_and_grad (gradient), jvp, vjp, jacobian,
hessian and hvp (jacobians), register_vjp and register_jvp (registry), check_grads (checks), and
the checks of argument values (arguments).
"""
