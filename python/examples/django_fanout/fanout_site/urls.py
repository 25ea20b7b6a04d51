from django.urls import path

from . import views

urlpatterns = [
    path("fanout", views.fanout),
    path("fanout-async", views.fanout_async),
]
